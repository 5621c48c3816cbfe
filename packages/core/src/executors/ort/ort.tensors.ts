import { Tensor as OrtTensor } from 'onnxruntime-node';
import { type DType, type Storage, fromFloat32 } from '../../dtype.js';
import { HostTensor } from '../../host-tensor.js';
import { BOUNDARY } from './onnx.dtypes.js';

/** bf16 → f32 is exact: the bf16 bits are the top half of the f32 bits. */
function widenBf16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return out;
}

/**
 * Wraps host storage as an ORT tensor over the same memory (no copy), except bf16, which ORT's
 * JS API cannot express and is widened to f32 on every call.
 */
export function toOrtTensor(dtype: DType, shape: readonly number[], data: Storage): OrtTensor {
  const values = dtype === 'bf16' ? widenBf16(data as Uint16Array) : data;
  // The constructor's overloads are keyed by the type literal; BOUNDARY pairs each with its array.
  return new OrtTensor(BOUNDARY[dtype].ort as 'float32', values as Float32Array, shape);
}

/** Takes an output tensor back as a HostTensor of the IR dtype (bf16 rounds from f32 here). */
export function fromOrtTensor(dtype: DType, tensor: OrtTensor): HostTensor {
  const data = tensor.data as Storage;
  const storage = dtype === 'bf16' ? fromFloat32('bf16', data as Float32Array) : data;
  return new HostTensor(dtype, tensor.dims, storage);
}

/** What each dtype's feed must be stored in (so a wrong-typed feed is caught before ORT sees it). */
const STORAGE_CTOR: Record<DType, new (n: number) => Storage> = {
  f32: Float32Array,
  f16: Uint16Array,
  bf16: Uint16Array,
  i64: BigInt64Array,
  i32: Int32Array,
  u8: Uint8Array,
  i8: Int8Array,
  bool: Uint8Array,
};

export const hasStorageOf = (dtype: DType, data: Storage): boolean => data instanceof STORAGE_CTOR[dtype];
