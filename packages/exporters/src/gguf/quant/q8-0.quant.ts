import { getF16, putF16 } from './block-io.js';
import * as f32math from './float32-math.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const r32 = f32math.r32;
const roundAway = f32math.roundAway;

/** Q8_0: 32 weights per 34-byte block, `d` (f16) then 32 signed bytes; x ≈ d·q. */
export const Q8_0 = { block: 32, bytes: 34 } as const;

/** quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d). */
export function quantizeQ8_0(x: Float32Array, out: Uint8Array): void {
  for (let b = 0, o = 0; b < x.length; b += 32, o += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b + j]!));
    const d = r32(amax / 127);
    const id = d ? r32(1 / d) : 0;
    putF16(out, o, d);
    for (let j = 0; j < 32; j++) out[o + 2 + j] = roundAway(r32(x[b + j]! * id)) & 0xff;
  }
}

export function dequantizeQ8_0(src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 32, o += 34) {
    const d = getF16(src, o);
    for (let j = 0; j < 32; j++) y[b + j] = r32(((src[o + 2 + j]! << 24) >> 24) * d);
  }
}
