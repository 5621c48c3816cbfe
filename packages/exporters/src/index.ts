// The package barrel: what users of @tunekit/exporters call.
import type { DependencyContainer } from 'tsyringe';
import { EXPORTER } from '@tunekit/core';
import { OnnxExporter } from './onnx/index.js';

export * from './onnx/index.js';

/** Registers every format this package writes under EXPORTER (`tunekit export --format NAME`). */
export function register(container: DependencyContainer): void {
  container.register(EXPORTER, { useClass: OnnxExporter });
}
