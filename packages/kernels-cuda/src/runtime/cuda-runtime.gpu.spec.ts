import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bf16BitsToF32, f32ToBf16Bits } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { GemmStep } from '../plan/kernel-plan.types.js';
import { gpuSkipReason } from '../testing/gpu.test-support.js';
import { CubinCache } from './cubin-cache.js';
import { CudaRuntime } from './cuda-runtime.js';
import { packKernelArgs } from './kernel-args.js';

const reason = gpuSkipReason();

/** y[i] = a·x[i] + b for i < n: scalars of each kind, and a grid-stride loop. */
const AXPB = `extern "C" __global__ void axpb(const float* x, float* y, float a, int n, long long b) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) y[i] = a * x[i] + (float)b;
}`;

describe.skipIf(reason !== null)('CudaRuntime on a GPU', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'tunekit-cubin-gpu-'));
  const cuda = reason === null ? CudaRuntime.open({ cache: new CubinCache(cacheDir) }) : (null as unknown as CudaRuntime);
  afterAll(() => {
    cuda?.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const upload = (data: Float32Array | Uint16Array) => {
    const ptr = cuda.driver.alloc(data.byteLength);
    cuda.driver.upload(ptr, data);
    return ptr;
  };
  const download = (ptr: bigint, n: number) => {
    const out = new Float32Array(n);
    cuda.driver.download(out, ptr);
    cuda.driver.synchronize();
    return out;
  };

  it('names the device and its architecture, and copies bytes there and back unchanged', () => {
    expect(cuda.describe()).toMatch(/\(sm_\d+\), driver .*libcuda\.so\.1, NVRTC \d+\.\d+ /);
    const x = Float32Array.from({ length: 1 << 20 }, (_, i) => Math.sin(i));
    const ptr = upload(x);
    expect(download(ptr, x.length)).toEqual(x);
    cuda.driver.free(ptr);
  });

  it('compiles a kernel with NVRTC, caches its cubin by source and arch, and runs it with pointer, f32, i32 and i64 arguments', () => {
    const n = 100_003;
    const x = Float32Array.from({ length: n }, (_, i) => i / 7);
    const [dx, dy] = [upload(x), cuda.driver.alloc(n * 4)];
    const key = { source: AXPB, arch: cuda.driver.arch, compiler: `nvrtc ${cuda.nvrtc.version}` };
    const cubin = cuda.cache.get(key, () => cuda.nvrtc.compile(AXPB, 'axpb', cuda.driver.arch));
    expect(cuda.cache.get(key, () => expect.unreachable('compiled twice'))).toEqual(cubin);
    const module = cuda.driver.loadModule(cubin);
    const fn = cuda.driver.getFunction(module, 'axpb', 0);
    const address = (b: number) => [dx, dy][b];
    const args = packKernelArgs([{ kind: 'buffer', buffer: 0 }, { kind: 'buffer', buffer: 1 }, { kind: 'f32', value: 2 }, { kind: 'i32', value: n }, { kind: 'i64', value: -3n }], address);
    cuda.driver.launch(fn, { grid: [64, 1, 1], block: [256, 1, 1], sharedBytes: 0 }, args.pointers, 'axpb');
    const y = download(dy, n);
    for (const i of [0, 1, 77, n - 1]) expect(y[i]).toBe(Math.fround(2 * x[i] - 3));
    cuda.driver.unloadModule(module);
    [dx, dy].forEach((p) => cuda.driver.free(p));
  });

  it('reports a kernel that does not compile with NVRTC\'s log', () => {
    expect(() => cuda.nvrtc.compile('extern "C" __global__ void broken( {', 'broken', cuda.driver.arch)).toThrow(/^kernel broken: NVRTC \d+\.\d+ for sm_\d+: .*error/);
  });

  const gemm = (over: Partial<GemmStep>): GemmStep => ({
    kind: 'gemm', label: 'gemm', a: 0, b: 1, c: 2, m: 33, n: 65, k: 47, batch: 3, transA: false, transB: false,
    strideA: 33 * 47, strideB: 47 * 65, strideC: 33 * 65, alpha: 1, beta: 0, computeType: 'f32', reads: [0, 1], writes: [2], ...over,
  });

  /** Row-major batched op(A)·op(B) in f64, from the step's own strides. */
  function expected(s: GemmStep, A: Float32Array, B: Float32Array): Float64Array {
    const out = new Float64Array(s.batch * s.m * s.n);
    for (let z = 0; z < s.batch; z++) for (let i = 0; i < s.m; i++) for (let j = 0; j < s.n; j++) {
      let acc = 0;
      for (let p = 0; p < s.k; p++) acc += A[z * s.strideA + (s.transA ? p * s.m + i : i * s.k + p)] * B[z * s.strideB + (s.transB ? j * s.k + p : p * s.n + j)];
      out[z * s.m * s.n + i * s.n + j] = s.alpha * acc;
    }
    return out;
  }

  const cases: [string, Partial<GemmStep>, number][] = [
    ['f32', {}, 1e-5],
    ['f32, A and B transposed', { transA: true, transB: true }, 1e-5],
    ['f32, B broadcast over the batch (stride 0), alpha 0.5', { strideB: 0, alpha: 0.5 }, 1e-5],
    ['tf32', { computeType: 'tf32' }, 2e-3],
    ['bf16 compute from f32', { computeType: 'bf16' }, 1e-2],
  ];
  for (const [name, over, tolerance] of cases) {
    it(`cuBLASLt gemm, ${name}: row-major batched result of plain loops within ${tolerance} relative`, () => {
      const s = gemm(over);
      const A = Float32Array.from({ length: s.batch * s.m * s.k }, (_, i) => Math.sin(i * 0.37));
      const B = Float32Array.from({ length: (s.strideB === 0 ? 1 : s.batch) * s.k * s.n }, (_, i) => Math.cos(i * 0.11));
      const ptrs = [upload(A), upload(B), cuda.driver.alloc(s.batch * s.m * s.n * 4)];
      cuda.cublasLt.matmul(s, { a: 'f32', b: 'f32', c: 'f32' }, (b) => ptrs[b]);
      const got = download(ptrs[2], s.batch * s.m * s.n);
      const want = expected(s, A, B);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(got.reduce((m, g, i) => Math.max(m, Math.abs(g - want[i])), 0) / scale).toBeLessThan(tolerance);
      ptrs.forEach((p) => cuda.driver.free(p));
    });
  }

  it('cuBLASLt gemm with bf16 storage and f32 output accumulates in f32', () => {
    const s = gemm({ batch: 1, strideA: 0, strideB: 0, strideC: 0 });
    const A16 = Uint16Array.from({ length: s.m * s.k }, (_, i) => f32ToBf16Bits(Math.sin(i * 0.37)));
    const B16 = Uint16Array.from({ length: s.k * s.n }, (_, i) => f32ToBf16Bits(Math.cos(i * 0.11)));
    const ptrs = [upload(A16), upload(B16), cuda.driver.alloc(s.m * s.n * 4)];
    cuda.cublasLt.matmul(s, { a: 'bf16', b: 'bf16', c: 'f32' }, (b) => ptrs[b]);
    const got = download(ptrs[2], s.m * s.n);
    const want = expected(s, Float32Array.from(A16, bf16BitsToF32), Float32Array.from(B16, bf16BitsToF32));
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(got.reduce((m, g, i) => Math.max(m, Math.abs(g - want[i])), 0) / scale).toBeLessThan(1e-5);
    ptrs.forEach((p) => cuda.driver.free(p));
  });
});
