import { CUDA_PRELUDE } from '../codegen/cuda-prelude.js';
import { EMU_SHIM } from './emu-shim.js';

/**
 * The emulator's host program, compiled once: it reads a job (buffers, kernel launches, gemms),
 * runs every launch block by block with the block's threads as fibers (ucontext), and writes the
 * output buffers. `__syncthreads` parks a fiber until every live fiber of the block has parked or
 * finished, which is CUDA's barrier for code without divergent barriers. Gemm steps run as a plain
 * host matmul with f64 accumulation. Kernels come from the per-plan object (`tk_kernels`).
 */
export const EMU_RUNTIME = String.raw`${EMU_SHIM}
${CUDA_PRELUDE}
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <vector>
#include <ucontext.h>

struct TkKernel { const char* name; void (*invoke)(void**); };
extern "C" const TkKernel tk_kernels[];
extern "C" const int tk_kernel_count;

dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace {
const size_t kStack = 256 * 1024;
struct Fiber { ucontext_t ctx; dim3 tid; int state; };
ucontext_t scheduler;
std::vector<Fiber> fibers;
std::vector<char> stacks;
int current = 0;
void (*invoke)(void**) = nullptr;
void** launchArgs = nullptr;
const char* launchName = "";

void fiberMain() {
  invoke(launchArgs);
  fibers[current].state = 2;
}

void runBlock() {
  const unsigned n = blockDim.x * blockDim.y * blockDim.z;
  if (fibers.size() < n) { fibers.resize(n); stacks.resize(n * kStack); }
  for (unsigned i = 0; i < n; i++) {
    Fiber& f = fibers[i];
    f.state = 0;
    f.tid = dim3{i % blockDim.x, (i / blockDim.x) % blockDim.y, i / (blockDim.x * blockDim.y)};
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = &stacks[i * kStack];
    f.ctx.uc_stack.ss_size = kStack;
    f.ctx.uc_link = &scheduler;
    makecontext(&f.ctx, fiberMain, 0);
  }
  for (bool alive = true; alive;) {
    alive = false;
    for (unsigned i = 0; i < n; i++) {
      if (fibers[i].state == 2) continue;
      alive = true;
      fibers[i].state = 0;
      current = (int)i;
      threadIdx = fibers[i].tid;
      swapcontext(&scheduler, &fibers[i].ctx);
    }
  }
}

struct Reader {
  std::vector<unsigned char> bytes;
  size_t at = 0;
  template <typename V> V get() { V v; std::memcpy(&v, &bytes[at], sizeof(V)); at += sizeof(V); return v; }
};

double loadAny(const void* p, int dtype, long long i) {
  if (dtype == 0) return ((const float*)p)[i];
  if (dtype == 1) return tk_ld_f16((const unsigned short*)p, i);
  return tk_ld_bf16((const unsigned short*)p, i);
}
void storeAny(void* p, int dtype, long long i, double v) {
  if (dtype == 0) ((float*)p)[i] = (float)v;
  else if (dtype == 1) tk_st_f16((unsigned short*)p, i, (float)v);
  else tk_st_bf16((unsigned short*)p, i, (float)v);
}
}  // namespace

void __syncthreads() {
  fibers[current].state = 1;
  swapcontext(&fibers[current].ctx, &scheduler);
}

void __trap() {
  std::fprintf(stderr, "tk-emulator: __trap() in kernel %s, block (%u, %u, %u), thread (%u, %u, %u)\n", launchName, blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
  std::exit(70);
}

int main(int argc, char** argv) {
  if (argc != 3) { std::fprintf(stderr, "usage: %s JOB OUT\n", argv[0]); return 2; }
  Reader r;
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 2; }
  std::fseek(f, 0, SEEK_END);
  r.bytes.resize((size_t)std::ftell(f));
  std::fseek(f, 0, SEEK_SET);
  if (std::fread(r.bytes.data(), 1, r.bytes.size(), f) != r.bytes.size()) return 2;
  std::fclose(f);

  const unsigned nbuf = r.get<unsigned>();
  std::vector<unsigned char*> ptr(nbuf);
  std::vector<int> dtype(nbuf);
  std::vector<unsigned long long> size(nbuf);
  for (unsigned b = 0; b < nbuf; b++) {
    dtype[b] = r.get<int>();
    size[b] = r.get<unsigned long long>();
    const int alias = r.get<int>();
    const unsigned char has = r.get<unsigned char>();
    // Fresh device memory is not zeroed: fill with a NaN-ish pattern so reads before writes show.
    ptr[b] = alias >= 0 ? ptr[alias] : (unsigned char*)std::malloc(size[b] + 16);
    if (alias < 0) std::memset(ptr[b], 0xff, size[b] + 16);
    if (has) { std::memcpy(ptr[b], &r.bytes[r.at], size[b]); r.at += size[b]; }
  }
  const unsigned nsteps = r.get<unsigned>();
  for (unsigned s = 0; s < nsteps; s++) {
    const unsigned char kind = r.get<unsigned char>();
    if (kind == 0) {
      const unsigned len = r.get<unsigned>();
      std::string name((const char*)&r.bytes[r.at], len);
      r.at += len;
      unsigned g[3], bl[3];
      for (unsigned& v : g) v = r.get<unsigned>();
      for (unsigned& v : bl) v = r.get<unsigned>();
      const unsigned nargs = r.get<unsigned>();
      std::vector<unsigned long long> slots(nargs, 0);
      std::vector<void*> args(nargs);
      for (unsigned a = 0; a < nargs; a++) {
        const unsigned char k = r.get<unsigned char>();
        if (k == 0) { void* p = ptr[r.get<int>()]; std::memcpy(&slots[a], &p, sizeof p); }
        else if (k == 1) { int v = r.get<int>(); std::memcpy(&slots[a], &v, 4); }
        else if (k == 2) { long long v = r.get<long long>(); std::memcpy(&slots[a], &v, 8); }
        else { float v = r.get<float>(); std::memcpy(&slots[a], &v, 4); }
        args[a] = &slots[a];
      }
      invoke = nullptr;
      for (int k = 0; k < tk_kernel_count; k++)
        if (name == tk_kernels[k].name) { invoke = tk_kernels[k].invoke; launchName = tk_kernels[k].name; }
      if (!invoke) { std::fprintf(stderr, "tk-emulator: no kernel %s\n", name.c_str()); return 3; }
      launchArgs = args.data();
      gridDim = dim3{g[0], g[1], g[2]};
      blockDim = dim3{bl[0], bl[1], bl[2]};
      for (unsigned z = 0; z < g[2]; z++)
        for (unsigned y = 0; y < g[1]; y++)
          for (unsigned x = 0; x < g[0]; x++) { blockIdx = dim3{x, y, z}; runBlock(); }
    } else {
      const int a = r.get<int>(), b = r.get<int>(), c = r.get<int>();
      const long long m = r.get<long long>(), n = r.get<long long>(), k = r.get<long long>(), batch = r.get<long long>();
      const unsigned char ta = r.get<unsigned char>(), tb = r.get<unsigned char>();
      const long long sa = r.get<long long>(), sb = r.get<long long>(), sc = r.get<long long>();
      const float alpha = r.get<float>(), beta = r.get<float>();
      for (long long p = 0; p < batch; p++)
        for (long long i = 0; i < m; i++)
          for (long long j = 0; j < n; j++) {
            double acc = 0;
            for (long long q = 0; q < k; q++)
              acc += loadAny(ptr[a], dtype[a], p * sa + (ta ? q * m + i : i * k + q)) * loadAny(ptr[b], dtype[b], p * sb + (tb ? j * k + q : q * n + j));
            const long long at = p * sc + i * n + j;
            storeAny(ptr[c], dtype[c], at, alpha * acc + (beta != 0.f ? beta * loadAny(ptr[c], dtype[c], at) : 0.0));
          }
    }
  }
  const unsigned nout = r.get<unsigned>();
  FILE* o = std::fopen(argv[2], "wb");
  for (unsigned i = 0; i < nout; i++) { const int b = r.get<int>(); std::fwrite(ptr[b], 1, size[b], o); }
  std::fclose(o);
  return 0;
}
`;
