import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { DType } from '../../dtype.js';
import type { ElemType } from './onnx.proto.js';

/**
 * The element type each dtype is computed in inside the ONNX graph. Half floats compute in f32
 * (as every CPU executor does); they are rounded only where the IR casts to them and at outputs.
 */
export const COMPUTE_ELEM: Record<DType, ElemType> = {
  f32: 'float',
  f16: 'float',
  bf16: 'float',
  i64: 'int64',
  i32: 'int32',
  u8: 'uint8',
  i8: 'int8',
  bool: 'bool',
};

/** Element types that round a float to half precision when cast to (then back to f32). */
export const HALF_ELEM: Partial<Record<DType, ElemType>> = { f16: 'float16', bf16: 'bfloat16' };

/**
 * How each dtype crosses the session boundary. onnxruntime's JS API has no bfloat16 tensors,
 * so bf16 is widened to f32 on the way in and rounded back on the way out, in JS.
 */
export const BOUNDARY: Record<DType, { elem: ElemType; ort: OrtTensor.Type }> = {
  f32: { elem: 'float', ort: 'float32' },
  f16: { elem: 'float16', ort: 'float16' },
  bf16: { elem: 'float', ort: 'float32' },
  i64: { elem: 'int64', ort: 'int64' },
  i32: { elem: 'int32', ort: 'int32' },
  u8: { elem: 'uint8', ort: 'uint8' },
  i8: { elem: 'int8', ort: 'int8' },
  bool: { elem: 'bool', ort: 'bool' },
};
