import { BLOCK_SUM, type KernelDType, handWritten } from './kernel-source.js';

/** RMSNorm forward, one block per row of x [rows, d]: y = x · rsqrt(mean(x²) + eps) · w; also keeps rstd [rows] f32 for the backward. */
export function rmsNormFwdSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_rms_norm_fwd_${dtype}`;
  const body = String.raw`
${BLOCK_SUM}
extern "C" __global__ void ${entry}(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ y, float* __restrict__ rstd, long long d, float eps) {
  __shared__ float red[256];
  const long long base = (long long)blockIdx.x * d;
  float ss = 0.f;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) { const float v = LD(x, base + j); ss += v * v; }
  const float r = rsqrtf(tk_block_sum(ss, red) / (float)d + eps);
  if (threadIdx.x == 0 && rstd) rstd[blockIdx.x] = r;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) ST(y, base + j, LD(x, base + j) * r * LD(w, j));
}`;
  return { entry, source: handWritten(dtype, body) };
}

/**
 * RMSNorm backward, one block per row: with x̂ = x·r and g' = g·w,
 * dx = r · (g' - x̂ · mean(g'·x̂)) (core's rule), and this row's share of dw = Σ_rows g·x̂ written
 * to dwRows [rows, d] f32 (summed over rows by a column-sum kernel, so no atomics).
 */
export function rmsNormBwdSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_rms_norm_bwd_${dtype}`;
  const body = String.raw`
${BLOCK_SUM}
extern "C" __global__ void ${entry}(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ g, const float* __restrict__ rstd,
                                     T* __restrict__ dx, float* __restrict__ dwRows, long long d) {
  __shared__ float red[256];
  const long long base = (long long)blockIdx.x * d;
  const float r = rstd[blockIdx.x];
  float dot = 0.f;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) dot += LD(g, base + j) * LD(w, j) * LD(x, base + j) * r;
  const float mean = tk_block_sum(dot, red) / (float)d;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) {
    const float xh = LD(x, base + j) * r, gv = LD(g, base + j);
    ST(dx, base + j, r * (gv * LD(w, j) - xh * mean));
    dwRows[base + j] = gv * xh;
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}

/** Column sums of an f32 [rows, d] matrix into [d] (in the output dtype): the weight gradient of a norm. */
export function columnSumSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_column_sum_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const float* __restrict__ m, T* __restrict__ out, long long rows, long long d) {
  for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < d; j += (long long)blockDim.x * gridDim.x) {
    float s = 0.f;
    for (long long r = 0; r < rows; r++) s += m[r * d + j];
    ST(out, j, s);
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}

/** LayerNorm forward, one block per row: (x - mean) · rsqrt(var + eps) · w + b, biased variance (two passes). */
export function layerNormFwdSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_layer_norm_fwd_${dtype}`;
  const body = String.raw`
${BLOCK_SUM}
extern "C" __global__ void ${entry}(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b, T* __restrict__ y, long long d, float eps) {
  __shared__ float red[256];
  const long long base = (long long)blockIdx.x * d;
  float s = 0.f;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) s += LD(x, base + j);
  const float mean = tk_block_sum(s, red) / (float)d;
  float ss = 0.f;
  for (long long j = threadIdx.x; j < d; j += blockDim.x) { const float c = LD(x, base + j) - mean; ss += c * c; }
  const float r = rsqrtf(tk_block_sum(ss, red) / (float)d + eps);
  for (long long j = threadIdx.x; j < d; j += blockDim.x) ST(y, base + j, (LD(x, base + j) - mean) * r * LD(w, j) + LD(b, j));
}`;
  return { entry, source: handWritten(dtype, body) };
}
