import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '@tunekit/core';
import { Q4_0, dequantizeQ4_0, quantizeQ4_0 } from './q4-0.quant.js';
import { Q4_K, Q5_K, dequantizeQ4_K, dequantizeQ5_K, quantizeQ4_K, quantizeQ5_K } from './q45-k.quant.js';
import { Q5_0, Q5_1, dequantizeQ5_0, dequantizeQ5_1, quantizeQ5_0, quantizeQ5_1 } from './q5-legacy.quant.js';
import { Q6_K, dequantizeQ6_K, quantizeQ6_K } from './q6-k.quant.js';
import { Q8_0, dequantizeQ8_0, quantizeQ8_0 } from './q8-0.quant.js';

/** How one ggml tensor type stores weights: `block` weights of a row in `bytes` bytes. */
export interface GgmlType {
  /** ggml_type's value in the tensor info. */
  readonly id: number;
  readonly block: number;
  readonly bytes: number;
  /** Encodes whole blocks of `x` (its length a multiple of `block`) into `out`. */
  readonly quantize: (x: Float32Array, out: Uint8Array) => void;
  readonly dequantize: (src: Uint8Array, y: Float32Array) => void;
}

const view16 = (b: Uint8Array): Uint16Array => new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
const halfType = (id: number, to: (x: number) => number, from: (h: number) => number): GgmlType => ({
  id,
  block: 1,
  bytes: 2,
  quantize: (x, out) => {
    const h = view16(out);
    for (let i = 0; i < x.length; i++) h[i] = to(x[i]!);
  },
  dequantize: (src, y) => {
    const h = view16(src);
    for (let i = 0; i < y.length; i++) y[i] = from(h[i]!);
  },
});

/** The tensor types TuneKit writes (ggml.h's ggml_type numbering). */
export const GGML_TYPES = {
  F32: {
    id: 0,
    block: 1,
    bytes: 4,
    quantize: (x, out) => out.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)),
    dequantize: (src, y) => new Uint8Array(y.buffer, y.byteOffset, y.byteLength).set(src.subarray(0, y.byteLength)),
  },
  F16: halfType(1, f32ToF16Bits, f16BitsToF32),
  Q4_0: { id: 2, ...Q4_0, quantize: quantizeQ4_0, dequantize: dequantizeQ4_0 },
  Q5_0: { id: 6, ...Q5_0, quantize: quantizeQ5_0, dequantize: dequantizeQ5_0 },
  Q5_1: { id: 7, ...Q5_1, quantize: quantizeQ5_1, dequantize: dequantizeQ5_1 },
  Q8_0: { id: 8, ...Q8_0, quantize: quantizeQ8_0, dequantize: dequantizeQ8_0 },
  Q4_K: { id: 12, ...Q4_K, quantize: quantizeQ4_K, dequantize: dequantizeQ4_K },
  Q5_K: { id: 13, ...Q5_K, quantize: quantizeQ5_K, dequantize: dequantizeQ5_K },
  Q6_K: { id: 14, ...Q6_K, quantize: quantizeQ6_K, dequantize: dequantizeQ6_K },
  BF16: halfType(30, f32ToBf16Bits, bf16BitsToF32),
} as const satisfies Record<string, GgmlType>;

export type GgmlTypeName = keyof typeof GGML_TYPES;

/** Bytes a tensor of `count` weights takes in `type` (count a multiple of the block). */
export const typeBytes = (type: GgmlTypeName, count: number): number => (count / GGML_TYPES[type].block) * GGML_TYPES[type].bytes;

/** Encodes a whole tensor (f32, row-major) into a new buffer of `type`. */
export function encodeTensor(type: GgmlTypeName, x: Float32Array): Uint8Array {
  const t = GGML_TYPES[type];
  if (x.length % t.block !== 0) throw new Error(`${type} needs a multiple of ${t.block} weights, got ${x.length}`);
  // F32 is the values' own bytes: a view, not a copy, keeps the export's peak memory at one tensor.
  if (type === 'F32') return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const out = new Uint8Array(typeBytes(type, x.length));
  t.quantize(x, out);
  return out;
}

export function decodeTensor(type: GgmlTypeName, src: Uint8Array, count: number): Float32Array {
  const y = new Float32Array(count);
  GGML_TYPES[type].dequantize(src, y);
  return y;
}
