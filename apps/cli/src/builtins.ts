import type { DependencyContainer } from 'tsyringe';
import { EXPORTER, registerExecutors, registerTasks } from '@tunekit/core';
import { register as registerExporters } from '@tunekit/exporters';
import { register as registerCuda } from '@tunekit/kernels-cuda';
import { register as registerPeftLora } from '@tunekit/peft-lora';
import { register as registerRlhf } from '@tunekit/rlhf';
import { HfMergedExporter } from './export/hf-merged.exporter.js';

/**
 * What ships with the CLI, each under its package's tokens: the executors (EXECUTOR_PROVIDER), the
 * tasks (TASK_PROVIDER), the methods (PEFT_METHOD) and the output formats (EXPORTER). A config's `plugins:` add more under the same tokens.
 */
export function registerBuiltins(c: DependencyContainer): void {
  registerExecutors(c);
  registerCuda(c);
  registerTasks(c);
  registerRlhf(c);
  registerPeftLora(c);
  c.register(EXPORTER, { useClass: HfMergedExporter });
  registerExporters(c);
}
