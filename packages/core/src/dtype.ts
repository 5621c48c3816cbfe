/**
 * Storage dtypes. CPU executors compute floating point in f32 (the reference executor can use f64);
 * f16 and bf16 exist so weights can be held and fed at half the size.
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'u8' | 'i8' | 'bool';

export const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i64', 'i32', 'u8', 'i8', 'bool'];

export type FloatDType = 'f32' | 'f16' | 'bf16';
export type IntDType = 'i64' | 'i32' | 'u8' | 'i8';

/** The typed array that holds each dtype's raw storage on the host. */
export interface StorageArrays {
  f32: Float32Array;
  f16: Uint16Array;
  bf16: Uint16Array;
  i64: BigInt64Array;
  i32: Int32Array;
  u8: Uint8Array;
  i8: Int8Array;
  bool: Uint8Array;
}
export type Storage<D extends DType = DType> = StorageArrays[D];

interface DTypeInfo {
  bytes: number;
  float: boolean;
  alloc: (n: number) => Storage;
  fromBuffer: (buf: ArrayBuffer, byteOffset: number, length: number) => Storage;
}

export const DTYPE_INFO: Record<DType, DTypeInfo> = {
  f32: { bytes: 4, float: true, alloc: (n) => new Float32Array(n), fromBuffer: (b, o, n) => new Float32Array(b, o, n) },
  f16: { bytes: 2, float: true, alloc: (n) => new Uint16Array(n), fromBuffer: (b, o, n) => new Uint16Array(b, o, n) },
  bf16: { bytes: 2, float: true, alloc: (n) => new Uint16Array(n), fromBuffer: (b, o, n) => new Uint16Array(b, o, n) },
  i64: { bytes: 8, float: false, alloc: (n) => new BigInt64Array(n), fromBuffer: (b, o, n) => new BigInt64Array(b, o, n) },
  i32: { bytes: 4, float: false, alloc: (n) => new Int32Array(n), fromBuffer: (b, o, n) => new Int32Array(b, o, n) },
  u8: { bytes: 1, float: false, alloc: (n) => new Uint8Array(n), fromBuffer: (b, o, n) => new Uint8Array(b, o, n) },
  i8: { bytes: 1, float: false, alloc: (n) => new Int8Array(n), fromBuffer: (b, o, n) => new Int8Array(b, o, n) },
  bool: { bytes: 1, float: false, alloc: (n) => new Uint8Array(n), fromBuffer: (b, o, n) => new Uint8Array(b, o, n) },
};

export const isFloat = (d: DType): d is FloatDType => DTYPE_INFO[d].float;

export function allocStorage<D extends DType>(dtype: D, n: number): Storage<D> {
  return DTYPE_INFO[dtype].alloc(n) as Storage<D>;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// ---- half-precision conversions (round to nearest even, as PyTorch and numpy do) ----

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

export function f32ToBf16Bits(x: number): number {
  f32Scratch[0] = x;
  const u = u32Scratch[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff; // NaN stays quiet NaN
  const rounding = 0x7fff + ((u >>> 16) & 1);
  return ((u + rounding) >>> 16) & 0xffff;
}

export function bf16BitsToF32(h: number): number {
  u32Scratch[0] = h << 16;
  return f32Scratch[0];
}

export function f32ToF16Bits(x: number): number {
  f32Scratch[0] = x;
  const u = u32Scratch[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Widens any storage to f32 (floats) or plain numbers (ints); used by executors and tests. */
export function toFloat32(dtype: DType, data: Storage): Float32Array {
  if (dtype === 'f32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'bf16') for (let i = 0; i < out.length; i++) out[i] = bf16BitsToF32((data as Uint16Array)[i]);
  else if (dtype === 'f16') for (let i = 0; i < out.length; i++) out[i] = f16BitsToF32((data as Uint16Array)[i]);
  else if (dtype === 'i64') for (let i = 0; i < out.length; i++) out[i] = Number((data as BigInt64Array)[i]);
  else for (let i = 0; i < out.length; i++) out[i] = (data as Int32Array)[i];
  return out;
}

/** Narrows f32 values into the storage of `dtype` (round to nearest even for halves, truncation for ints). */
export function fromFloat32(dtype: DType, src: ArrayLike<number>): Storage {
  const n = src.length;
  switch (dtype) {
    case 'f32':
      return Float32Array.from(src);
    case 'bf16': {
      const o = new Uint16Array(n);
      for (let i = 0; i < n; i++) o[i] = f32ToBf16Bits(src[i]);
      return o;
    }
    case 'f16': {
      const o = new Uint16Array(n);
      for (let i = 0; i < n; i++) o[i] = f32ToF16Bits(src[i]);
      return o;
    }
    case 'i64': {
      const o = new BigInt64Array(n);
      for (let i = 0; i < n; i++) o[i] = BigInt(Math.trunc(src[i]));
      return o;
    }
    case 'bool': {
      const o = new Uint8Array(n);
      for (let i = 0; i < n; i++) o[i] = src[i] ? 1 : 0;
      return o;
    }
    default: {
      // Typed-array stores wrap modulo 2^bits, as a C cast to a narrower int does.
      const o = allocStorage(dtype, n) as Int32Array | Uint8Array | Int8Array;
      for (let i = 0; i < n; i++) o[i] = Math.trunc(src[i]);
      return o;
    }
  }
}
