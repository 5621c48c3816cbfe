export { type OrtExecutorOptions, type OrtOptimizationLevel, OrtExecutor } from './ort.executor.js';
export { type LoweredGraph, type LoweredModel, type LowerOptions, type SizedTrace, LOWERINGS, lowerGraph, lowerToOnnx } from './onnx.lowering.js';
export { type OnnxBuilder, type StoredWeight } from './onnx.builder.js';
export { type Dim, type SymbolicDim, DynamicDims } from './onnx.dynamic-dims.js';
export { dynamicAttention } from './onnx.lowering.attention.js';
export { type ElemType, type ExternalRef, type ExternalWriter, MS_DOMAIN, attr } from './onnx.proto.js';
export { DECOMPOSED, type DecomposedOp, type LoweredOp, type Lowering } from './onnx.lowering.types.js';
export { encodeModel } from './onnx.proto.js';
