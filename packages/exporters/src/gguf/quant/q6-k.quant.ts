import { getF16, putF16 } from './block-io.js';
import * as f32math from './float32-math.js';
import { GROUP_MAX_EPS, fitSymmetricScale } from './k-quant.fit.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const nearestInt = f32math.nearestInt;
const r32 = f32math.r32;

/**
 * Q6_K: 256-weight super-blocks of sixteen 16-weight sub-blocks, x ≈ d·sc·(q − 32) with q six-bit,
 * sc a signed byte and d f16. 210 bytes: ql[128] (low nibbles), qh[64] (top two bits), scales[16], d.
 */
export const Q6_K = { block: 256, bytes: 210 } as const;

/** quantize_row_q6_K_ref. */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array): void {
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  for (let b = 0, o = 0; b < x.length; b += 256, o += 210) {
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = fitSymmetricScale(x.subarray(b + 16 * ib, b + 16 * ib + 16), L.subarray(16 * ib, 16 * ib + 16), 32);
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    const block = out.subarray(o, o + 210);
    if (maxAbsScale < GROUP_MAX_EPS) {
      block.fill(0);
      continue;
    }
    const iscale = r32(-128 / maxScale);
    putF16(out, o + 208, r32(1 / iscale));
    const d = getF16(out, o + 208);
    for (let ib = 0; ib < 16; ib++) out[o + 192 + ib] = Math.min(127, nearestInt(r32(iscale * scales[ib]!))) & 0xff;
    for (let j = 0; j < 16; j++) {
      const dj = r32(d * ((out[o + 192 + j]! << 24) >> 24));
      if (!dj) continue;
      for (let i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(r32(x[b + 16 * j + i]! / dj)))) + 32;
    }
    // Per 128 weights: ql holds weights l and l+64 (low/high nibble) and l+32, l+96; qh their top bits.
    for (let half = 0; half < 2; half++) {
      const n = 128 * half;
      const ql = o + 64 * half;
      const qh = o + 128 + 32 * half;
      for (let l = 0; l < 32; l++) {
        const q1 = L[n + l]!;
        const q2 = L[n + l + 32]!;
        const q3 = L[n + l + 64]!;
        const q4 = L[n + l + 96]!;
        out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
        out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
        out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}

export function dequantizeQ6_K(src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 256, o += 210) {
    const d = getF16(src, o + 208);
    for (let half = 0; half < 2; half++) {
      const ql = o + 64 * half;
      const qh = o + 128 + 32 * half;
      const sc = o + 192 + 8 * half;
      const sAt = (k: number): number => (src[sc + k]! << 24) >> 24;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const h = src[qh + l]!;
        const q1 = ((src[ql + l]! & 0xf) | (((h >> 0) & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
        const n = b + 128 * half;
        y[n + l] = r32(r32(d * sAt(is)) * q1);
        y[n + l + 32] = r32(r32(d * sAt(is + 2)) * q2);
        y[n + l + 64] = r32(r32(d * sAt(is + 4)) * q3);
        y[n + l + 96] = r32(r32(d * sAt(is + 6)) * q4);
      }
    }
  }
}
