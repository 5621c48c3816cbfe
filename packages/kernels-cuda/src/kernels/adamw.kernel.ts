import { type KernelDType, handWritten } from './kernel-source.js';

/**
 * Fused AdamW over one flat parameter, as core's AdamW (torch's formula) computes it:
 * m = m + (1-β1)·(g - m) (torch's lerp); v = β2·v + (1-β2)·g²; p ← p·(1 - lr·wd); p ← p - stepSize · m / (√v / bc2 + eps)
 * with w1 = 1-β1, w2 = 1-β2, decay = 1 - lr·wd, stepSize = lr / (1 - β1^t) and bc2 = √(1 - β2^t) passed in
 * (computed on the host in f64, as core does).
 * The parameter is f32 (master weights); g is in the compute dtype; m and v are f32.
 */
export function adamwSource(gradDtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_adamw_${gradDtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(float* __restrict__ p, const T* __restrict__ g, float* __restrict__ m, float* __restrict__ v, long long n,
                                     float w1, float beta2, float w2, float decay, float stepSize, float bc2Sqrt, float eps) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
    const float gi = LD(g, i);
    const float mi = m[i] + w1 * (gi - m[i]);
    const float vi = v[i] * beta2 + w2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - stepSize * (mi / (sqrtf(vi) / bc2Sqrt + eps));
  }
}`;
  return { entry, source: handWritten(gradDtype, body) };
}
