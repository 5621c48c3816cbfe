import { type KernelDType, handWritten } from './kernel-source.js';

export type GluKind = 'swiglu' | 'geglu';

/** act(gate) and its derivative: SiLU for SwiGLU, tanh-approximated GELU for GeGLU (gelu_pytorch_tanh, as Gemma uses). */
const ACT: Record<GluKind, string> = {
  swiglu: String.raw`
__device__ float tk_act(float x) { return tk_silu(x); }
__device__ float tk_act_grad(float x) { const float s = tk_sigmoid(x); return s * (1.f + x * (1.f - s)); }`,
  geglu: String.raw`
__device__ float tk_act(float x) { return tk_gelu_tanh(x); }
__device__ float tk_act_grad(float x) {
  const float k = 0.79788456080286536f, u = k * (x + 0.044715f * x * x * x), th = tanhf(u);
  return 0.5f * (1.f + th) + 0.5f * x * (1.f - th * th) * k * (1.f + 3.f * 0.044715f * x * x);
}`,
};

/** y = act(gate) · up, elementwise over n values (the MLP's gated product, one pass over memory). */
export function gluFwdSource(dtype: KernelDType, kind: GluKind): { entry: string; source: string } {
  const entry = `tk_${kind}_fwd_${dtype}`;
  const body = String.raw`
${ACT[kind]}
extern "C" __global__ void ${entry}(const T* __restrict__ gate, const T* __restrict__ up, T* __restrict__ y, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x)
    ST(y, i, tk_act(LD(gate, i)) * LD(up, i));
}`;
  return { entry, source: handWritten(dtype, body) };
}

/** dgate = g · up · act'(gate), dup = g · act(gate), in one pass. */
export function gluBwdSource(dtype: KernelDType, kind: GluKind): { entry: string; source: string } {
  const entry = `tk_${kind}_bwd_${dtype}`;
  const body = String.raw`
${ACT[kind]}
extern "C" __global__ void ${entry}(const T* __restrict__ gate, const T* __restrict__ up, const T* __restrict__ g,
                                     T* __restrict__ dgate, T* __restrict__ dup, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
    const float x = LD(gate, i), u = LD(up, i), gv = LD(g, i);
    ST(dgate, i, gv * u * tk_act_grad(x));
    ST(dup, i, gv * tk_act(x));
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}
