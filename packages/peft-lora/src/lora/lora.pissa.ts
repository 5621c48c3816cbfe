import { HostTensor, type Linear, type Rng } from '@tunekit/core';
import { matmul, transpose } from '../peft/host-math.js';
import type { AdapterSpec, LoraLayer } from './lora.layer.js';

/** Orthonormalises the columns of a [m, k] matrix in place (modified Gram–Schmidt, twice for stability). */
function orthonormalColumns(q: Float64Array, m: number, k: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i * k + j] * q[i * k + p];
        for (let i = 0; i < m; i++) q[i * k + j] -= dot * q[i * k + p];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[i * k + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < m; i++) q[i * k + j] /= norm;
    }
  }
}

/** Eigen-decomposition of a symmetric [n, n] matrix by cyclic Jacobi: eigenvalues and column eigenvectors. */
function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [mkp, mkq] = [m[k * n + p], m[k * n + q]];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const [mpk, mqk] = [m[p * n + k], m[q * n + k]];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [v[k * n + p], v[k * n + q]];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => m[i * n + i]), vectors: v };
}

/**
 * Top-r singular triplets of W [m, n] by randomized subspace iteration (Halko et al. 2011):
 * exact for rank ≤ r, and converging geometrically in `iterations` otherwise.
 */
export function truncatedSvd(w: Float64Array, m: number, n: number, r: number, iterations: number, rng: Rng): { u: Float64Array; s: Float64Array; vt: Float64Array } {
  const k = Math.min(r + 8, m, n);
  const omega = Float64Array.from({ length: n * k }, () => rng.normal());
  const wt = transpose(w, m, n);
  let q = matmul(w, omega, m, n, k);
  orthonormalColumns(q, m, k);
  for (let it = 0; it < iterations; it++) {
    const z = matmul(wt, q, n, m, k);
    orthonormalColumns(z, n, k);
    q = matmul(w, z, m, n, k);
    orthonormalColumns(q, m, k);
  }
  // B = Qᵀ W is [k, n]; its left singular vectors come from the eigenvectors of B Bᵀ.
  const b = matmul(transpose(q, m, k), w, k, m, n);
  const bbt = matmul(b, transpose(b, k, n), k, n, k);
  const { values, vectors } = symmetricEigen(bbt, k);
  const order = [...values.keys()].sort((x, y) => values[y] - values[x]).slice(0, r);
  const s = Float64Array.from(order, (i) => Math.sqrt(Math.max(values[i], 0)));
  const ub = Float64Array.from({ length: k * r }, (_, idx) => vectors[Math.floor(idx / r) * k + order[idx % r]]);
  const u = matmul(q, ub, m, k, r);
  // vᵢ = Bᵀ ubᵢ / sᵢ
  const vt = new Float64Array(r * n);
  const btub = matmul(transpose(b, k, n), ub, n, k, r);
  for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) vt[i * n + j] = s[i] > 0 ? btub[j * r + i] / s[i] : 0;
  return { u, s, vt };
}

/**
 * PiSSA (Meng et al. 2024): the adapter starts as the principal rank-r part of W (B = U√(S/scaling),
 * A = √(S/scaling)Vᵀ) and the base keeps the residual, so the model is unchanged at step 0 while
 * training moves the most significant directions. 'pissa' runs 16 subspace iterations,
 * 'pissa_niter_N' runs N (PEFT's fast-SVD option).
 */
export function pissaInit(layer: LoraLayer, A: Linear, B: Linear, spec: AdapterSpec): void {
  const [m, n, r] = [layer.outFeatures, layer.inFeatures, spec.r];
  const iterations = typeof spec.init === 'string' && spec.init.startsWith('pissa_niter_') ? Number(spec.init.slice(12)) : 16;
  const w = layer.baseWeightOutIn();
  const { u, s, vt } = truncatedSvd(w, m, n, r, iterations, spec.rng);
  const root = Float64Array.from(s, (v) => Math.sqrt(v / spec.scaling));
  const bVals = Float64Array.from({ length: m * r }, (_, i) => u[i] * root[i % r]);
  const aVals = Float64Array.from({ length: r * n }, (_, i) => vt[i] * root[Math.floor(i / n)]);
  A.weight.assign(HostTensor.f32([r, n], aVals));
  B.weight.assign(HostTensor.f32([m, r], bVals));
  const ba = matmul(B.weight.value.toFloat32(), A.weight.value.toFloat32(), m, r, n);
  layer.setBaseWeightOutIn(w.map((v, i) => v - spec.scaling * ba[i]));
}
