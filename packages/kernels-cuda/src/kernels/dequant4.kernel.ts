import { createHash } from 'node:crypto';
import { floatLiteral } from '../codegen/cuda-prelude.js';
import { type KernelDType, handWritten } from './kernel-source.js';

/**
 * Unpacks a bitsandbytes 4-bit weight (row-major codes, two per byte, the first in the high nibble;
 * element i = levels[code_i] · absmax[i / blocksize]) into W [N, K] in the activations' dtype,
 * which a cuBLASLt gemm then multiplies: QLoRA's dequantize-then-matmul. The 16 levels are baked
 * into the source, so nf4, fp4 and any other table each get their own entry.
 */
export function dequant4Source(dtype: KernelDType, levels: readonly number[], quantType: string | null): { entry: string; source: string } {
  const tag = quantType ?? `l${createHash('sha1').update(levels.join(',')).digest('hex').slice(0, 8)}`;
  const entry = `tk_dequant4_${tag}_${dtype}`;
  const body = String.raw`
extern "C" __global__ void ${entry}(const unsigned char* __restrict__ packed, const float* __restrict__ absmax, T* __restrict__ w, long long total, long long blocksize) {
  const float levels[16] = {${levels.map(floatLiteral).join(', ')}};
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)blockDim.x * gridDim.x) {
    const unsigned char byte = packed[i >> 1];
    const int code = (i & 1) ? (byte & 15) : (byte >> 4);
    ST(w, i, levels[code] * absmax[i / blocksize]);
  }
}`;
  return { entry, source: handWritten(dtype, body) };
}
