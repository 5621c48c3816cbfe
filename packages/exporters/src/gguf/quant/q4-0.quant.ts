import { getF16, putF16 } from './block-io.js';
import * as f32math from './float32-math.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const r32 = f32math.r32;
const truncInt = f32math.truncInt;

/** Q4_0: 32 weights per 18-byte block, `d` (f16) then 16 bytes of nibbles; x ≈ d·(q − 8). */
export const Q4_0 = { block: 32, bytes: 18 } as const;

/**
 * quantize_row_q4_0_ref: d = max/−8 with max the value of largest magnitude (sign kept), so that
 * value lands exactly on −8; weight j goes in the low nibble of byte j, weight j+16 in its high one.
 */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array): void {
  for (let b = 0, o = 0; b < x.length; b += 32, o += 18) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[b + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = r32(max / -8);
    const id = d ? r32(1 / d) : 0;
    putF16(out, o, d);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, truncInt(r32(r32(x[b + j]! * id) + 8.5)));
      const q1 = Math.min(15, truncInt(r32(r32(x[b + 16 + j]! * id) + 8.5)));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
}

export function dequantizeQ4_0(src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 32, o += 18) {
    const d = getF16(src, o);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j]!;
      y[b + j] = r32(((q & 15) - 8) * d);
      y[b + 16 + j] = r32(((q >> 4) - 8) * d);
    }
  }
}
