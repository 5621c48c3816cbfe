export { type OrtExecutorOptions, type OrtOptimizationLevel, OrtExecutor } from './ort.executor.js';
export { type LoweredModel, LOWERINGS, lowerGraph } from './onnx.lowering.js';
export { DECOMPOSED, type DecomposedOp, type LoweredOp, type Lowering } from './onnx.lowering.types.js';
export { encodeModel } from './onnx.proto.js';
