import { BLOCK_SUM, type KernelDType, handWritten } from './kernel-source.js';

/**
 * Softmax cross-entropy forward, one block per row of logits [N, C]: each thread keeps an online
 * (max, Σexp) pair over its strided share of the vocabulary, the block merges the pairs, and only
 * the row's loss and logsumexp leave the kernel, so no [N, C] f32 tensor is ever kept. Rows whose
 * label is `ignore` lose 0; any other label outside [0, C) traps.
 */
export function crossEntropyFwdSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_cross_entropy_fwd_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const T* __restrict__ logits, const long long* __restrict__ labels, T* __restrict__ loss, float* __restrict__ lse,
                                     long long c, long long ignore) {
  __shared__ float rm[256];
  __shared__ float rs[256];
  const long long base = (long long)blockIdx.x * c;
  float m = -tk_inf(), s = 0.f;
  for (long long j = threadIdx.x; j < c; j += blockDim.x) {
    const float v = LD(logits, base + j);
    if (v > m) { s = s * expf(m - v) + 1.f; m = v; } else s += expf(v - m);
  }
  rm[threadIdx.x] = m;
  rs[threadIdx.x] = s;
  __syncthreads();
  for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
    if (threadIdx.x < k) {
      const float m1 = rm[threadIdx.x], m2 = rm[threadIdx.x + k], mm = tk_fmax(m1, m2);
      const float s1 = m1 == -tk_inf() ? 0.f : rs[threadIdx.x] * expf(m1 - mm);
      const float s2 = m2 == -tk_inf() ? 0.f : rs[threadIdx.x + k] * expf(m2 - mm);
      rm[threadIdx.x] = mm;
      rs[threadIdx.x] = s1 + s2;
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const float l = rm[0] + logf(rs[0]);
    if (lse) lse[blockIdx.x] = l;
    const long long y = labels[blockIdx.x];
    if (y == ignore) ST(loss, blockIdx.x, 0.f);
    else {
      if (y < 0 || y >= c) __trap();
      ST(loss, blockIdx.x, l - LD(logits, base + y));
    }
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}

/** The 'mean'/'sum' of per-row losses in one block: mean divides by the count of non-ignored rows (at least 1). */
export function crossEntropyReduceSource(dtype: KernelDType, mean: boolean): { entry: string; source: string } {
  const entry = `tk_cross_entropy_${mean ? 'mean' : 'sum'}_${dtype}`;
  const body = String.raw`
${BLOCK_SUM}
extern "C" __global__ void ${entry}(const T* __restrict__ rows, const long long* __restrict__ labels, T* __restrict__ out, long long n, long long ignore) {
  __shared__ float red[256];
  float s = 0.f, count = 0.f;
  for (long long i = threadIdx.x; i < n; i += blockDim.x) { s += LD(rows, i); count += labels[i] != ignore ? 1.f : 0.f; }
  s = tk_block_sum(s, red);
  count = tk_block_sum(count, red);
  if (threadIdx.x == 0) ST(out, 0, ${mean ? 's / tk_fmax(count, 1.f)' : 's'});
}`;
  return { entry, source: handWritten(dtype, body) };
}

/**
 * Its backward, one block per row, chunked the same way: dlogits = (softmax - onehot(label)) · w,
 * with w = g[row] ('none'), g ('sum') or g / count ('mean'), passed in as `scale` per row through
 * `g` and `gStride` (0 for one scalar g). The softmax comes from the forward's logsumexp, never stored.
 */
export function crossEntropyBwdSource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_cross_entropy_bwd_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const T* __restrict__ logits, const long long* __restrict__ labels, const float* __restrict__ lse,
                                     const T* __restrict__ g, long long gStride, float scale, T* __restrict__ dlogits, long long c, long long ignore) {
  const long long row = blockIdx.x, base = row * c;
  const long long y = labels[row];
  const float w = y == ignore ? 0.f : LD(g, row * gStride) * scale;
  const float l = lse[row];
  for (long long j = threadIdx.x; j < c; j += blockDim.x) {
    const float p = expf(LD(logits, base + j) - l);
    ST(dlogits, base + j, (p - (j == y ? 1.f : 0.f)) * w);
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}
