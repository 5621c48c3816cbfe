import { GgufValueType } from './gguf.constants.js';

/**
 * One metadata value with its GGUF type spelled out: JavaScript numbers do not say whether a key is
 * a u32 or an f32, and llama.cpp reads each key with one exact type.
 */
export type GgufValue =
  | { readonly type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; readonly value: number }
  | { readonly type: 'u64' | 'i64'; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly of: 'string'; readonly value: readonly string[] }
  | { readonly type: 'array'; readonly of: 'i32' | 'u32' | 'f32'; readonly value: readonly number[] };

export const u32 = (value: number): GgufValue => ({ type: 'u32', value });
export const f32 = (value: number): GgufValue => ({ type: 'f32', value });
export const bool = (value: boolean): GgufValue => ({ type: 'bool', value });
export const str = (value: string): GgufValue => ({ type: 'string', value });
export const strings = (value: readonly string[]): GgufValue => ({ type: 'array', of: 'string', value });
export const i32s = (value: readonly number[]): GgufValue => ({ type: 'array', of: 'i32', value });

/** Each scalar type: its GGUF code, byte size and how it is written little-endian. */
export const SCALARS = {
  u8: { code: GgufValueType.UINT8, bytes: 1, put: (v: DataView, o: number, x: number) => v.setUint8(o, x) },
  i8: { code: GgufValueType.INT8, bytes: 1, put: (v: DataView, o: number, x: number) => v.setInt8(o, x) },
  u16: { code: GgufValueType.UINT16, bytes: 2, put: (v: DataView, o: number, x: number) => v.setUint16(o, x, true) },
  i16: { code: GgufValueType.INT16, bytes: 2, put: (v: DataView, o: number, x: number) => v.setInt16(o, x, true) },
  u32: { code: GgufValueType.UINT32, bytes: 4, put: (v: DataView, o: number, x: number) => v.setUint32(o, x, true) },
  i32: { code: GgufValueType.INT32, bytes: 4, put: (v: DataView, o: number, x: number) => v.setInt32(o, x, true) },
  f32: { code: GgufValueType.FLOAT32, bytes: 4, put: (v: DataView, o: number, x: number) => v.setFloat32(o, x, true) },
  f64: { code: GgufValueType.FLOAT64, bytes: 8, put: (v: DataView, o: number, x: number) => v.setFloat64(o, x, true) },
} as const;
