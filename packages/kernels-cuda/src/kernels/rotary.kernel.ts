import { type KernelDType, handWritten } from './kernel-source.js';

/**
 * RoPE on x [B, H, T, D] (contiguous): y = x·cos + rotate_half(x)·sin, rotate_half(x)[d] =
 * -x[d + D/2] for d < D/2 and x[d - D/2] after. cos/sin are read through strides (0 on a
 * broadcast axis), so [B or 1, H or 1, T, D] tables need no copy. `sign` -1 applies the inverse
 * rotation (the backward: dx = g·cos + rotate_half⁻¹(g·sin)).
 */
export function rotarySource(dtype: KernelDType): { entry: string; source: string } {
  const entry = `tk_rotary_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const T* __restrict__ x, const T* __restrict__ cs, const T* __restrict__ sn, T* __restrict__ y,
                                     long long h, long long t, long long d, long long total,
                                     long long sb, long long sh, long long st, long long sd) {
  const long long half = d / 2;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
    const long long di = i % d, ti = (i / d) % t, hi = (i / (d * t)) % h, bi = i / (d * t * h);
    const long long at = bi * sb + hi * sh + ti * st + di * sd;
    const float partner = di < half ? -LD(x, i + half) : LD(x, i - half);
    ST(y, i, LD(x, i) * LD(cs, at) + partner * LD(sn, at));
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}
