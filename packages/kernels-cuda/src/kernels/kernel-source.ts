import { CUDA_PRELUDE } from '../codegen/cuda-prelude.js';

/** The float dtypes the hand-written kernels are instantiated for (storage; math is f32). */
export type KernelDType = 'f32' | 'bf16' | 'f16';

export const storageType = (d: KernelDType): string => (d === 'f32' ? 'float' : 'unsigned short');

/**
 * A hand-written kernel's source for one dtype: `T` is the storage type, `LD(p, i)` widens an
 * element to f32 and `ST(p, i, v)` rounds one back, so one text serves f32, bf16 and f16.
 */
export function handWritten(dtype: KernelDType, body: string, defines: Record<string, string | number> = {}): string {
  const lines = [
    `typedef ${storageType(dtype)} T;`,
    `#define LD(p, i) tk_ld_${dtype}((p), (i))`,
    `#define ST(p, i, v) tk_st_${dtype}((p), (i), (v))`,
    ...Object.entries(defines).map(([k, v]) => `#define ${k} ${v}`),
  ];
  return `${CUDA_PRELUDE}\n${lines.join('\n')}\n${body.trim()}\n`;
}

/** Shared-memory tree sum over the block (blockDim.x a power of two ≤ 256); every thread gets the total. */
export const BLOCK_SUM = String.raw`
__device__ float tk_block_sum(float v, float* red) {
  red[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
    __syncthreads();
  }
  const float total = red[0];
  __syncthreads();
  return total;
}
__device__ float tk_block_max(float v, float* red) {
  red[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) red[threadIdx.x] = tk_fmax(red[threadIdx.x], red[threadIdx.x + s]);
    __syncthreads();
  }
  const float total = red[0];
  __syncthreads();
  return total;
}
`;

/** Threads per block for a row kernel over `len` elements: a power of two from 32 to 256. */
export const rowBlock = (len: number): number => Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(len, 1)))));
