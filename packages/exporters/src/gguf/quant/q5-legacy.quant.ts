import { getF16, putF16 } from './block-io.js';
import * as f32math from './float32-math.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const r32 = f32math.r32;
const truncInt = f32math.truncInt;

// Q5_0 and Q5_1 are what llama-quantize falls back to when a row is not a multiple of 256 (a k-quant
// super-block): Q4_K becomes Q5_0 and Q5_K becomes Q5_1 (SmolLM2's 576-wide rows, for example).

/** Q5_0: 22 bytes per 32 weights: d (f16), the 32 fifth bits (u32), 16 bytes of nibbles; x ≈ d·(q − 16). */
export const Q5_0 = { block: 32, bytes: 22 } as const;
/** Q5_1: 24 bytes per 32 weights: d, m (f16), fifth bits, nibbles; x ≈ d·q + m. */
export const Q5_1 = { block: 32, bytes: 24 } as const;

function putBits(out: Uint8Array, at: number, qh: number): void {
  for (let k = 0; k < 4; k++) out[at + k] = (qh >>> (8 * k)) & 0xff;
}
const getBits = (src: Uint8Array, at: number): number => (src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24)) >>> 0;

/** Packs 32 five-bit codes: low nibbles as Q4_0 does, fifth bits of weight j at bit j. */
function packFive(codes: number[], out: Uint8Array, at: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const a = codes[j]!;
    const b = codes[j + 16]!;
    out[at + 4 + j] = (a & 15) | ((b & 15) << 4);
    qh |= ((a & 16) >> 4) << j;
    qh |= ((b & 16) >> 4) << (j + 16);
  }
  putBits(out, at, qh >>> 0);
}

function unpackFive(src: Uint8Array, at: number, j: number): number {
  const qh = getBits(src, at);
  const q = src[at + 4 + (j & 15)]!;
  const low = j < 16 ? q & 15 : q >> 4;
  return low | (((qh >>> j) & 1) << 4);
}

/** quantize_row_q5_0_ref: d = max/−16 (max keeps its sign), q = min(31, (int8)(x/d + 16.5)). */
export function quantizeQ5_0(x: Float32Array, out: Uint8Array): void {
  const codes = new Array<number>(32);
  for (let b = 0, o = 0; b < x.length; b += 32, o += 22) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = r32(max / -16);
    const id = d ? r32(1 / d) : 0;
    putF16(out, o, d);
    for (let j = 0; j < 32; j++) codes[j] = Math.min(31, truncInt(r32(r32(x[b + j]! * id) + 16.5)));
    packFive(codes, out, o + 2);
  }
}

export function dequantizeQ5_0(src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 32, o += 22) {
    const d = getF16(src, o);
    for (let j = 0; j < 32; j++) y[b + j] = r32((unpackFive(src, o + 2, j) - 16) * d);
  }
}

/** quantize_row_q5_1_ref: d = (max − min)/31, m = min, q = (uint8)((x − min)/d + 0.5). */
export function quantizeQ5_1(x: Float32Array, out: Uint8Array): void {
  const codes = new Array<number>(32);
  for (let b = 0, o = 0; b < x.length; b += 32, o += 24) {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < 32; j++) {
      min = Math.min(min, x[b + j]!);
      max = Math.max(max, x[b + j]!);
    }
    const d = r32(r32(max - min) / 31);
    const id = d ? r32(1 / d) : 0;
    putF16(out, o, d);
    putF16(out, o + 2, min);
    for (let j = 0; j < 32; j++) codes[j] = truncInt(r32(r32(r32(x[b + j]! - min) * id) + 0.5)) & 0xff;
    packFive(codes, out, o + 4);
  }
}

export function dequantizeQ5_1(src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 32, o += 24) {
    const d = getF16(src, o);
    const m = getF16(src, o + 2);
    for (let j = 0; j < 32; j++) y[b + j] = r32(r32(unpackFive(src, o + 4, j) * d) + m);
  }
}
