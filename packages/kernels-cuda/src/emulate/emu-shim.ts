/**
 * What g++ needs to compile CUDA kernel sources as host C++: the CUDA keywords become plain C++
 * (`__shared__` becomes `static`, shared by a block's threads because blocks run one at a time),
 * the built-in index variables are globals the fiber scheduler sets before it resumes a thread,
 * and `__syncthreads` is a yield to that scheduler (emu-runtime.ts).
 */
export const EMU_SHIM = String.raw`
#include <math.h>
#include <cstring>
struct dim3 { unsigned x, y, z; };
extern dim3 threadIdx, blockIdx, blockDim, gridDim;
void __syncthreads();
void __trap();
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
static inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline unsigned int __float_as_uint(float f) { unsigned int u; std::memcpy(&u, &f, 4); return u; }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
`;
