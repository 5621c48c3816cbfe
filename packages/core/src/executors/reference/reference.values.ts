import { type DType, fromFloat32, isFloat, numel, toFloat32 } from '../../dtype.js';
import { HostTensor } from '../../host-tensor.js';

/** 'f32' rounds every float result to f32 like a CPU kernel; 'f64' computes real-number math for gradient checks. */
export type Precision = 'f32' | 'f64';

/**
 * A value inside the reference executor. Every dtype is held as numbers: ints and bools exactly as
 * doubles (fine for |v| < 2^53; bools as 0/1). Floats live in a Float32Array in 'f32' precision (so
 * each store rounds to f32) and in a Float64Array in 'f64' precision. f16/bf16 values are computed in
 * f32 and, in 'f32' precision only, rounded to their storage format after each op.
 */
export interface RefValue {
  dtype: DType;
  shape: number[];
  data: Float64Array | Float32Array;
}

export function allocValue(dtype: DType, shape: readonly number[], precision: Precision): RefValue {
  const n = numel(shape);
  const data = isFloat(dtype) && precision === 'f32' ? new Float32Array(n) : new Float64Array(n);
  return { dtype, shape: [...shape], data };
}

/** `src` in the array type `precision` wants for `dtype`; returns `src` itself when it already fits (no copy). */
export function coerceData(dtype: DType, src: Float64Array | Float32Array, precision: Precision): Float64Array | Float32Array {
  const want32 = isFloat(dtype) && precision === 'f32';
  if (want32 === src instanceof Float32Array) return src;
  return want32 ? Float32Array.from(src) : Float64Array.from(src);
}

/** A host tensor as a value. f32 storage in 'f32' precision is used in place, never copied. */
export function fromHostTensor(t: HostTensor, precision: Precision): RefValue {
  let data: Float64Array | Float32Array;
  if (isFloat(t.dtype)) {
    data = coerceData(t.dtype, toFloat32(t.dtype, t.data), precision);
  } else if (t.dtype === 'i64') {
    // toFloat32 would round ids above 2^24; doubles hold every i64 below 2^53 exactly.
    data = Float64Array.from(t.data as BigInt64Array, Number);
  } else {
    data = Float64Array.from(t.data as Int32Array | Uint8Array | Int8Array);
  }
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/** Floats round to f32 (or to their f16/bf16 storage); ints and bools keep their dtype. Always a copy. */
export function toHostTensor(v: RefValue): HostTensor {
  return new HostTensor(v.dtype, v.shape, fromFloat32(v.dtype, v.data));
}

/** Rounds a freshly computed result in place to what its dtype can hold (bools 0/1, wrapped ints, halves). */
export function normalizeInPlace(v: RefValue, precision: Precision): void {
  const d = v.data;
  switch (v.dtype) {
    case 'bool':
      for (let i = 0; i < d.length; i++) d[i] = d[i] !== 0 ? 1 : 0;
      return;
    case 'i32':
      // Wraps like two's complement int32 arithmetic.
      for (let i = 0; i < d.length; i++) d[i] = d[i] | 0;
      return;
    case 'u8':
      for (let i = 0; i < d.length; i++) d[i] = d[i] & 255;
      return;
    case 'i8':
      // Two's complement int8: keep the low byte, then sign-extend it.
      for (let i = 0; i < d.length; i++) d[i] = (d[i] << 24) >> 24;
      return;
    case 'f16':
    case 'bf16':
      // f64 precision stays real-valued so finite differences see a smooth function.
      if (precision === 'f32') d.set(toFloat32(v.dtype, fromFloat32(v.dtype, d)));
      return;
    default:
      return;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** Row-major strides of `shape`, in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k];
  }
  return s;
}

/** Strides of `shape` read as if broadcast (numpy rules) to `outShape`: 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, k) => (k < lead || shape[k - lead] === 1 ? 0 : own[k - lead]));
}

/**
 * For each element of `shape` in row-major order, its offset `base + Σ index[k] * strides[k]`.
 * Every view (broadcast, permute, slice, split) is this one loop with different strides.
 */
export function stridedOffsets(shape: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let k = rank - 1; k >= 0; k--) {
      off += strides[k];
      if (++counter[k] < shape[k]) break;
      off -= strides[k] * shape[k];
      counter[k] = 0;
    }
  }
  return out;
}

/** Offsets of `shape` broadcast to `outShape`, or null when no broadcasting happens (offset = index). */
export function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  return sameShape(shape, outShape) ? null : stridedOffsets(outShape, broadcastStrides(shape, outShape));
}

export function typeLabel(dtype: DType, shape: readonly number[]): string {
  return `${dtype}[${shape.join(', ')}]`;
}
