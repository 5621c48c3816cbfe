export { ReferenceExecutor, ReferenceProgram, type RunValuesOptions } from './reference.executor.js';
export { KERNELS, type Kernel, type PrimitiveOp } from './reference.kernels.js';
export { erf, erfc, geluErf, geluTanh } from './reference.elementwise.js';
export {
  type Precision,
  type RefValue,
  allocValue,
  fromHostTensor,
  normalizeInPlace,
  toHostTensor,
} from './reference.values.js';
