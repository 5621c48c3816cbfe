import { type KernelDType, handWritten } from './kernel-source.js';

/** Queries per block (one thread each) and keys per shared-memory tile. */
export const ATTN_BR = 32;
export const ATTN_BC = 32;

/**
 * Whether query t sees key s: causal (s ≤ t + S - T), sliding window (the last `window` positions
 * up to the query's own; 0 for none), and an optional bool mask read through broadcast strides.
 */
const VISIBLE = String.raw`
__device__ bool tk_visible(const unsigned char* mask, long long mb, long long b, long long h, long long t, long long s,
                           long long T_, long long S_, int causal, int window, long long msb, long long msh, long long mst, long long mss) {
  const long long last = t + S_ - T_;
  if (causal && s > last) return false;
  if (window > 0 && s <= last - window) return false;
  if (mask && !mask[b * msb + h * msh + t * mst + s * mss]) return false;
  return true;
}
/** The block's threads copy keys [s0, s0 + BC) of K and V into shared memory (zeros past S), then wait for each other. */
__device__ void tk_load_kv_tile(float (*ks)[D], float (*vs)[D], const T* k, const T* v, long long kvbase, long long s0, long long S_) {
  for (int e = threadIdx.x; e < BC * D; e += blockDim.x) {
    const int r = e / D, c = e % D;
    const long long s = s0 + r;
    ks[r][c] = s < S_ ? LD(k, kvbase + s * D + c) : 0.f;
    vs[r][c] = s < S_ ? LD(v, kvbase + s * D + c) : 0.f;
  }
  __syncthreads();
}
__device__ float tk_score(float dot, float scale, float softcap) {
  const float s = dot * scale;
  return softcap > 0.f ? tanhf(s / softcap) * softcap : s;
}
`;

const PARAMS = String.raw`const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, const unsigned char* __restrict__ mask,
    int B_, int Hq, int Hkv, int T_, int S_, float scale, float softcap, int causal, int window,
    long long msb, long long msh, long long mst, long long mss`;

/**
 * Flash-style causal/masked attention forward for head size D (baked in): each thread owns one
 * query row; K and V stream through shared memory in tiles of ATTN_BC keys; an online softmax
 * keeps (max, Σ, acc) so the [T, S] scores never exist. GQA: query head h reads kv head
 * h / (Hq / Hkv). A row with no visible key averages every value (transformers' eager rule, as the
 * reference executor does) and stores lse = +inf, which the backward reads as "uniform row".
 * Grid: (ceil(T / ATTN_BR), Hq, B); block: ATTN_BR.
 */
export function attentionFwdSource(dtype: KernelDType, d: number): { entry: string; source: string } {
  const entry = `tk_attention_fwd_d${d}_${dtype}`;
  const body = String.raw`
${VISIBLE}
extern "C" __global__ void ${entry}(${PARAMS}, T* __restrict__ o, float* __restrict__ lse) {
  __shared__ float ks[BC][D];
  __shared__ float vs[BC][D];
  const long long b = blockIdx.z, h = blockIdx.y, t = (long long)blockIdx.x * BR + threadIdx.x;
  const long long hk = h / (Hq / Hkv);
  const bool active = t < T_;
  const long long qrow = ((b * Hq + h) * T_ + (active ? t : 0)) * D;
  const long long kvbase = (b * Hkv + hk) * (long long)S_ * D;
  float qr[D], acc[D];
  for (int c = 0; c < D; c++) { qr[c] = LD(q, qrow + c); acc[c] = 0.f; }
  float m = -tk_inf(), l = 0.f;
  bool any = false;
  // With a causal mask no query of this block sees past its last query's diagonal.
  const long long lastT = (long long)blockIdx.x * BR + BR - 1;
  const long long limit = causal ? (lastT + S_ - T_ + 1 < S_ ? lastT + S_ - T_ + 1 : S_) : S_;
  for (long long s0 = 0; s0 < limit; s0 += BC) {
    tk_load_kv_tile(ks, vs, k, v, kvbase, s0, S_);
    if (active) {
      for (int r = 0; r < BC && s0 + r < S_; r++) {
        if (!tk_visible(mask, 0, b, h, t, s0 + r, T_, S_, causal, window, msb, msh, mst, mss)) continue;
        float dot = 0.f;
        for (int c = 0; c < D; c++) dot += qr[c] * ks[r][c];
        const float sc = tk_score(dot, scale, softcap);
        const float mn = tk_fmax(m, sc);
        const float corr = any ? expf(m - mn) : 0.f;
        const float p = expf(sc - mn);
        l = l * corr + p;
        for (int c = 0; c < D; c++) acc[c] = acc[c] * corr + p * vs[r][c];
        m = mn;
        any = true;
      }
    }
    __syncthreads();
  }
  if (!active) return;
  const long long orow = ((b * Hq + h) * T_ + t) * D;
  if (any) {
    for (int c = 0; c < D; c++) ST(o, orow + c, acc[c] / l);
    if (lse) lse[(b * Hq + h) * T_ + t] = m + logf(l);
  } else {
    for (int c = 0; c < D; c++) acc[c] = 0.f;
    for (long long s = 0; s < S_; s++) for (int c = 0; c < D; c++) acc[c] += LD(v, kvbase + s * D + c);
    for (int c = 0; c < D; c++) ST(o, orow + c, acc[c] / (float)S_);
    if (lse) lse[(b * Hq + h) * T_ + t] = tk_inf();
  }
}`;
  return { entry, source: handWritten(dtype, body, { D: d, BR: ATTN_BR, BC: ATTN_BC }) };
}

/** delta[row] = Σ_c dO·O per query row: the Σ_s p·dp of the softmax backward (FlashAttention-2). */
export function attentionBwdDeltaSource(dtype: KernelDType, d: number): { entry: string; source: string } {
  const entry = `tk_attention_bwd_delta_d${d}_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const T* __restrict__ o, const T* __restrict__ g, float* __restrict__ delta, long long rows) {
  for (long long r = (long long)blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += (long long)blockDim.x * gridDim.x) {
    float s = 0.f;
    for (int c = 0; c < D; c++) s += LD(o, r * D + c) * LD(g, r * D + c);
    delta[r] = s;
  }
}`;
  return { entry, source: handWritten(dtype, body, { D: d }) };
}

/**
 * p and dS for one (query, key) pair, recomputed from q·k and the forward's lse: p = exp(score -
 * lse) where visible (0 elsewhere), 1/S on a uniform row (lse = +inf); dS = p·(dp - delta), times
 * the soft cap's derivative 1 - tanh² and the scale. Like torch's autograd through the reference
 * decomposition, a uniform row's dS reaches q and k although its value does not depend on them.
 */
const PAIR = String.raw`
__device__ void tk_pair(float dot, float dp, float lse, float delta, bool visible, float scale, float softcap, long long S_, float* p, float* ds) {
  const float raw = dot * scale;
  const float th = softcap > 0.f ? tanhf(raw / softcap) : 0.f;
  const float sc = softcap > 0.f ? th * softcap : raw;
  const float pv = lse == tk_inf() ? 1.f / (float)S_ : (visible ? expf(sc - lse) : 0.f);
  *p = pv;
  *ds = pv * (dp - delta) * (softcap > 0.f ? 1.f - th * th : 1.f) * scale;
}
`;

/**
 * dQ, one thread per query row (grid as the forward): dq = Σ_s dS·k, keys streamed through shared memory.
 */
export function attentionBwdDqSource(dtype: KernelDType, d: number): { entry: string; source: string } {
  const entry = `tk_attention_bwd_dq_d${d}_${dtype}`;
  const body = String.raw`
${VISIBLE}
${PAIR}
extern "C" __global__ void ${entry}(${PARAMS}, const T* __restrict__ g, const float* __restrict__ lse, const float* __restrict__ delta, T* __restrict__ dq) {
  __shared__ float ks[BC][D];
  __shared__ float vs[BC][D];
  const long long b = blockIdx.z, h = blockIdx.y, t = (long long)blockIdx.x * BR + threadIdx.x;
  const long long hk = h / (Hq / Hkv);
  const bool active = t < T_;
  const long long row = (b * Hq + h) * T_ + (active ? t : 0);
  const long long kvbase = (b * Hkv + hk) * (long long)S_ * D;
  float qr[D], gr[D], acc[D];
  for (int c = 0; c < D; c++) { qr[c] = LD(q, row * D + c); gr[c] = LD(g, row * D + c); acc[c] = 0.f; }
  const float l = lse[row], dl = delta[row];
  for (long long s0 = 0; s0 < S_; s0 += BC) {
    tk_load_kv_tile(ks, vs, k, v, kvbase, s0, S_);
    if (active) {
      for (int r = 0; r < BC && s0 + r < S_; r++) {
        float dot = 0.f, dp = 0.f;
        for (int c = 0; c < D; c++) { dot += qr[c] * ks[r][c]; dp += gr[c] * vs[r][c]; }
        float p, ds;
        tk_pair(dot, dp, l, dl, tk_visible(mask, 0, b, h, t, s0 + r, T_, S_, causal, window, msb, msh, mst, mss), scale, softcap, S_, &p, &ds);
        for (int c = 0; c < D; c++) acc[c] += ds * ks[r][c];
      }
    }
    __syncthreads();
  }
  if (active) for (int c = 0; c < D; c++) ST(dq, row * D + c, acc[c]);
}`;
  return { entry, source: handWritten(dtype, body, { D: d, BR: ATTN_BR, BC: ATTN_BC }) };
}

/**
 * dK and dV, one thread per key of one kv head (grid (ceil(S / ATTN_BC), Hkv, B), block ATTN_BC):
 * every query head of the group and every query row stream through shared memory, so each key's
 * gradient is summed by one thread and needs no atomics. dk = Σ dS·q, dv = Σ p·dO.
 */
export function attentionBwdDkvSource(dtype: KernelDType, d: number): { entry: string; source: string } {
  const entry = `tk_attention_bwd_dkv_d${d}_${dtype}`;
  const body = String.raw`
${VISIBLE}
${PAIR}
extern "C" __global__ void ${entry}(${PARAMS}, const T* __restrict__ g, const float* __restrict__ lse, const float* __restrict__ delta,
                                     T* __restrict__ dk, T* __restrict__ dv) {
  __shared__ float qs[BR][D];
  __shared__ float gs[BR][D];
  __shared__ float ls[BR];
  __shared__ float dls[BR];
  const long long b = blockIdx.z, hk = blockIdx.y, s = (long long)blockIdx.x * BC + threadIdx.x;
  const bool active = s < S_;
  const long long krow = (b * Hkv + hk) * (long long)S_ + (active ? s : 0);
  float kr[D], vr[D], dka[D], dva[D];
  for (int c = 0; c < D; c++) { kr[c] = LD(k, krow * D + c); vr[c] = LD(v, krow * D + c); dka[c] = 0.f; dva[c] = 0.f; }
  const long long group = Hq / Hkv;
  for (long long h = hk * group; h < (hk + 1) * group; h++) {
    for (long long t0 = 0; t0 < T_; t0 += BR) {
      for (int e = threadIdx.x; e < BR * D; e += BC) {
        const int r = e / D, c = e % D;
        const long long t = t0 + r, row = (b * Hq + h) * T_ + t;
        qs[r][c] = t < T_ ? LD(q, row * D + c) : 0.f;
        gs[r][c] = t < T_ ? LD(g, row * D + c) : 0.f;
      }
      for (int r = threadIdx.x; r < BR; r += BC) {
        const long long t = t0 + r, row = (b * Hq + h) * T_ + t;
        ls[r] = t < T_ ? lse[row] : 0.f;
        dls[r] = t < T_ ? delta[row] : 0.f;
      }
      __syncthreads();
      if (active) {
        for (int r = 0; r < BR && t0 + r < T_; r++) {
          float dot = 0.f, dp = 0.f;
          for (int c = 0; c < D; c++) { dot += qs[r][c] * kr[c]; dp += gs[r][c] * vr[c]; }
          float p, ds;
          tk_pair(dot, dp, ls[r], dls[r], tk_visible(mask, 0, b, h, t0 + r, s, T_, S_, causal, window, msb, msh, mst, mss), scale, softcap, S_, &p, &ds);
          for (int c = 0; c < D; c++) { dka[c] += ds * qs[r][c]; dva[c] += p * gs[r][c]; }
        }
      }
      __syncthreads();
    }
  }
  if (active) for (int c = 0; c < D; c++) { ST(dk, krow * D + c, dka[c]); ST(dv, krow * D + c, dva[c]); }
}`;
  return { entry, source: handWritten(dtype, body, { D: d, BR: ATTN_BR, BC: ATTN_BC }) };
}
