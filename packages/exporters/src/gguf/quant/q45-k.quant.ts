import { getF16, putF16 } from './block-io.js';
import * as f32math from './float32-math.js';
import { TENTH, fitScaleMin } from './k-quant.fit.js';
import { packScaleMin, unpackScaleMin } from './k-scales.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const nearestInt = f32math.nearestInt;
const r32 = f32math.r32;

/**
 * Q4_K and Q5_K: 256-weight super-blocks of eight 32-weight sub-blocks, each x ≈ d·sc·q − dmin·m,
 * with sc and m six-bit and d, dmin f16. Q4_K: d, dmin, 12 scale bytes, 128 bytes of nibbles (144).
 * Q5_K adds 32 bytes holding each weight's fifth bit before the nibbles (176).
 */
interface KVariant {
  readonly nmax: number;
  readonly rmin: number;
  readonly nstep: number;
  readonly bytes: number;
  /** Where the nibbles start; Q5_K's fifth bits sit between the scales and them. */
  readonly qsAt: number;
}

export const Q4_K = { block: 256, bytes: 144 } as const;
export const Q5_K = { block: 256, bytes: 176 } as const;

// quantize_row_q4_K_ref / q5_K_ref search parameters: make_qkx2_quants(.., rmin, 0.1f, nstep, false).
const Q4: KVariant = { nmax: 15, rmin: -1, nstep: 20, bytes: 144, qsAt: 16 };
const Q5: KVariant = { nmax: 31, rmin: -0.5, nstep: 15, bytes: 176, qsAt: 48 };

function quantizeK(v: KVariant, x: Float32Array, out: Uint8Array): void {
  const L = new Uint8Array(256);
  const Laux = new Uint8Array(32);
  const weights = new Float32Array(32);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  for (let b = 0, o = 0; b < x.length; b += 256, o += v.bytes) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const xs = x.subarray(b + 32 * j, b + 32 * j + 32);
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = r32(sumX2 + r32(xs[l]! * xs[l]!));
      const avX = r32(Math.sqrt(r32(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = r32(avX + Math.abs(xs[l]!));
      const fit = fitScaleMin(xs, weights, L.subarray(32 * j, 32 * j + 32), Laux, v.nmax, v.rmin, TENTH, v.nstep);
      scales[j] = fit.scale;
      mins[j] = fit.min;
      if (fit.scale > maxScale) maxScale = fit.scale;
      if (fit.min > maxMin) maxMin = fit.min;
    }
    const invScale = maxScale > 0 ? r32(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? r32(63 / maxMin) : 0;
    const sb = out.subarray(o + 4, o + 16);
    sb.fill(0);
    for (let j = 0; j < 8; j++) {
      // ggml stores nearest_int into a uint8_t before clamping: the byte wraps, then MIN(63, ...).
      const ls = Math.min(63, nearestInt(r32(invScale * scales[j]!)) & 0xff);
      const lm = Math.min(63, nearestInt(r32(invMin * mins[j]!)) & 0xff);
      packScaleMin(sb, j, ls, lm);
    }
    putF16(out, o, r32(maxScale / 63));
    putF16(out, o + 2, r32(maxMin / 63));
    const d = getF16(out, o);
    const dmin = getF16(out, o + 2);
    for (let j = 0; j < 8; j++) {
      const { sc, m } = unpackScaleMin(sb, j);
      const dj = r32(d * sc);
      if (!dj) continue;
      const dm = r32(dmin * m);
      for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(v.nmax, nearestInt(r32(r32(x[b + 32 * j + i]! + dm) / dj))));
    }
    packCodes(v, L, out, o);
  }
}

/** Weights n..n+31 in the low nibbles and n+32..n+63 in the high nibbles of 32 bytes; Q5_K's fifth bits in qh. */
function packCodes(v: KVariant, L: Uint8Array, out: Uint8Array, o: number): void {
  const qh = out.subarray(o + 16, o + 48);
  if (v.nmax === 31) qh.fill(0);
  for (let n = 0, pair = 0; n < 256; n += 64, pair++) {
    const q = o + v.qsAt + 32 * pair;
    for (let j = 0; j < 32; j++) {
      let l1 = L[n + j]!;
      let l2 = L[n + j + 32]!;
      if (l1 > 15) {
        l1 -= 16;
        qh[j]! |= 1 << (2 * pair);
      }
      if (l2 > 15) {
        l2 -= 16;
        qh[j]! |= 2 << (2 * pair);
      }
      out[q + j] = l1 | (l2 << 4);
    }
  }
}

function dequantizeK(v: KVariant, src: Uint8Array, y: Float32Array): void {
  for (let b = 0, o = 0; b < y.length; b += 256, o += v.bytes) {
    const d = getF16(src, o);
    const dmin = getF16(src, o + 2);
    const sb = src.subarray(o + 4, o + 16);
    for (let pair = 0; pair < 4; pair++) {
      const q = o + v.qsAt + 32 * pair;
      for (let half = 0; half < 2; half++) {
        const { sc, m } = unpackScaleMin(sb, 2 * pair + half);
        const dl = r32(d * sc);
        const ml = r32(dmin * m);
        for (let l = 0; l < 32; l++) {
          const nib = half === 0 ? src[q + l]! & 0xf : src[q + l]! >> 4;
          const high = v.nmax === 31 && src[o + 16 + l]! & (1 << (2 * pair + half)) ? 16 : 0;
          y[b + 64 * pair + 32 * half + l] = r32(r32(dl * (nib + high)) - ml);
        }
      }
    }
  }
}

export const quantizeQ4_K = (x: Float32Array, out: Uint8Array): void => quantizeK(Q4, x, out);
export const quantizeQ5_K = (x: Float32Array, out: Uint8Array): void => quantizeK(Q5, x, out);
export const dequantizeQ4_K = (src: Uint8Array, y: Float32Array): void => dequantizeK(Q4, src, y);
export const dequantizeQ5_K = (src: Uint8Array, y: Float32Array): void => dequantizeK(Q5, src, y);
