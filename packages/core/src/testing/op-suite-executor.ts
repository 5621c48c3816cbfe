import type { Executor } from '../executors/executor.interface.js';
import { OrtExecutor } from '../executors/ort/index.js';

/** The executor the op suite checks against the reference: ONNX Runtime on the CPU. */
export function opSuiteExecutor(): Executor {
  return new OrtExecutor({ threads: 1 });
}
