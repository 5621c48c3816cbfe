import { BLOCK_SUM, type KernelDType, handWritten } from './kernel-source.js';

/**
 * softmax / log_softmax along one axis of a contiguous tensor seen as [outer, len, inner]: one
 * block per (outer, inner) row, max then Σ exp(x - max) by block reductions, then one write pass.
 */
export function softmaxSource(dtype: KernelDType, log: boolean): { entry: string; source: string } {
  const entry = `tk_${log ? 'log_softmax' : 'softmax'}_${dtype}`;
  const body = String.raw`
${BLOCK_SUM}
extern "C" __global__ void ${entry}(const T* __restrict__ x, T* __restrict__ y, long long len, long long inner) {
  __shared__ float red[256];
  const long long row = blockIdx.x;
  const long long base = (row / inner) * len * inner + row % inner;
  float m = -tk_inf();
  for (long long j = threadIdx.x; j < len; j += blockDim.x) m = tk_fmax(m, LD(x, base + j * inner));
  m = tk_block_max(m, red);
  float s = 0.f;
  for (long long j = threadIdx.x; j < len; j += blockDim.x) s += expf(LD(x, base + j * inner) - m);
  s = tk_block_sum(s, red);
  const float lse = m + logf(s);
  for (long long j = threadIdx.x; j < len; j += blockDim.x) {
    const float v = LD(x, base + j * inner);
    ST(y, base + j * inner, ${log ? 'v - lse' : 'expf(v - lse)'});
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}
