import * as f32math from './float32-math.js';

// Module-level copies: a call through an import binding is not inlined by tsx/vitest's transform (10x slower).
const nearestInt = f32math.nearestInt;
const r32 = f32math.r32;

/** Below this a group counts as all zero (ggml's GROUP_MAX_EPS). */
export const GROUP_MAX_EPS = 1e-15;

/** C's `0.1f`. */
export const TENTH = r32(0.1);

/**
 * ggml's `make_qkx2_quants`: fits x ≈ scale·L − min with L in [0, nmax] (min ≥ 0 is subtracted),
 * trying nstep+1 scales around nmax/(max − min) and keeping the least weighted squared error, each
 * with the least-squares scale and min for its codes. Writes the codes into `L`.
 */
export function fitScaleMin(
  x: Float32Array,
  weights: Float32Array,
  L: Uint8Array,
  Laux: Uint8Array,
  nmax: number,
  rmin: number,
  rdelta: number,
  nstep: number,
): { scale: number; min: number } {
  const n = x.length;
  let min = x[0]!;
  let max = x[0]!;
  let sumW = weights[0]!;
  let sumX = r32(sumW * x[0]!);
  for (let i = 1; i < n; i++) {
    if (x[i]! < min) min = x[i]!;
    if (x[i]! > max) max = x[i]!;
    const w = weights[i]!;
    sumW = r32(sumW + w);
    sumX = r32(sumX + r32(w * x[i]!));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, 0, n);
    return { scale: 0, min: -min };
  }
  let iscale = r32(nmax / r32(max - min));
  let scale = r32(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(r32(iscale * r32(x[i]! - min)));
    L[i] = Math.max(0, Math.min(nmax, l));
    const diff = r32(r32(r32(scale * L[i]!) + min) - x[i]!);
    bestError = r32(bestError + r32(weights[i]! * r32(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = r32(r32(r32(rmin + r32(rdelta * is)) + nmax) / r32(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(r32(iscale * r32(x[i]! - min)))));
      Laux[i] = l;
      const w = weights[i]!;
      sumL = r32(sumL + r32(w * l));
      sumL2 = r32(sumL2 + r32(r32(w * l) * l));
      sumXL = r32(sumXL + r32(r32(w * l) * x[i]!));
    }
    const D = r32(r32(sumW * sumL2) - r32(sumL * sumL));
    if (D > 0) {
      let thisScale = r32(r32(r32(sumW * sumXL) - r32(sumX * sumL)) / D);
      let thisMin = r32(r32(r32(sumL2 * sumX) - r32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = r32(sumXL / sumL2);
      }
      let error = 0;
      for (let i = 0; i < n; i++) {
        const diff = r32(r32(r32(thisScale * Laux[i]!) + thisMin) - x[i]!);
        error = r32(error + r32(weights[i]! * r32(diff * diff)));
      }
      if (error < bestError) {
        L.set(Laux.subarray(0, n));
        bestError = error;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return { scale, min: -min };
}

/**
 * ggml's `make_qx_quants` with rmse_type 1 (weights x²) and no importance matrix: a symmetric
 * scale for codes in [−nmax, nmax−1] (stored +nmax), refined over 18 nearby scales. Returns the scale.
 */
export function fitSymmetricScale(x: Float32Array, L: Int8Array, nmax: number): number {
  const n = x.length;
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]!);
    if (ax > amax) {
      amax = ax;
      max = x[i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  const clamp = (l: number): number => Math.max(-nmax, Math.min(nmax - 1, l));
  let iscale = r32(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clamp(nearestInt(r32(iscale * x[i]!)));
    L[i] = l + nmax;
    const w = r32(x[i]! * x[i]!);
    sumLX = r32(sumLX + r32(r32(w * x[i]!) * l));
    sumL2 = r32(sumL2 + r32(r32(w * l) * l));
  }
  let scale = sumL2 ? r32(sumLX / sumL2) : 0;
  let best = r32(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = r32(-r32(nmax + r32(TENTH * is)) / max);
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(r32(iscale * x[i]!)));
      const w = r32(x[i]! * x[i]!);
      sumLX = r32(sumLX + r32(r32(w * x[i]!) * l));
      sumL2 = r32(sumL2 + r32(r32(w * l) * l));
    }
    if (sumL2 > 0 && r32(sumLX * sumLX) > r32(best * sumL2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + clamp(nearestInt(r32(iscale * x[i]!)));
      scale = r32(sumLX / sumL2);
      best = r32(scale * sumLX);
    }
  }
  return scale;
}
