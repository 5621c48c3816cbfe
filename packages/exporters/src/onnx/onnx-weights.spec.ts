import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, Graph, HostTensor, Parameter, Tensor, f16BitsToF32, f32ToF16Bits, lowerToOnnx } from '@tunekit/core';
import { relativeError } from '@tunekit/core/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequantizeQ4, quantizeQ4 } from './matmul-nbits.quantizer.js';
import { writeOnnxModel } from './onnx-model.writer.js';
import { type Q4Options, q4MatMul, storedWeight } from './onnx-weights.js';

const [N, K] = [24, 80];
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + ((i * 7) % 3)));

/** y = x · wᵀ on the host, x [M, K], w [N, K]. */
function matmulT(x: Float32Array, w: Float32Array, m: number): Float32Array {
  const y = new Float32Array(m * N);
  for (let i = 0; i < m; i++) for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) y[i * N + j] += x[i * K + k] * w[j * K + k];
  return y;
}

describe('stored weights and the q4 MatMul lowering, run by onnxruntime-node', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-onnx-weights-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Lowers y = f(x) with stored weights (and the q4 lowering when asked), writes it with external data and runs it. */
  async function run(y: Tensor, x: Float32Array, m: number, opts: { half?: boolean; q4?: Partial<Q4Options> }, file: string): Promise<Float32Array> {
    const lowered = lowerToOnnx(new Graph([y.node]), {
      outputNames: ['y'],
      weights: (node) => storedWeight(node, opts.half === true),
      ...(opts.q4 ? { override: q4MatMul({ blockSize: 32, accuracyLevel: 1, ...opts.q4 }) } : {}),
    });
    const written = await writeOnnxModel(dir, file, lowered);
    expect(written.dataBytes).toBeGreaterThan(0);
    const session = await ort.InferenceSession.create(join(dir, file), { logSeverityLevel: 3 });
    try {
      const out = await session.run({ x: new ort.Tensor('float32', x, [m, K]) });
      return out.y.data as Float32Array;
    } finally {
      await session.release();
    }
  }

  const m = 5;
  const x = values(m * K, 1);
  const w = values(N * K, 2);

  it('a Linear (x · Wᵀ, W [N, K]) in q4 equals x · dequantize(quantize(W))ᵀ', async () => {
    const p = new Parameter(HostTensor.f32([N, K], w));
    p.name = 'linear.weight';
    const got = await run(F.linear(Tensor.input('x', [m, K]), Tensor.param(p)), x, m, { q4: {} }, 'linear_q4.onnx');
    const want = matmulT(x, dequantizeQ4(quantizeQ4(w, N, K, 32)), m);
    expect(relativeError(got, want)).toBeLessThanOrEqual(1e-5);
    // And it is not the f32 product: the weights really went through 4 bits.
    expect(relativeError(got, matmulT(x, w, m))).toBeGreaterThan(1e-3);
  });

  it('a Conv1D (x · W, W [K, N]) in q4 quantizes Wᵀ along K', async () => {
    const wt = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) wt[k * N + j] = w[j * K + k];
    const p = new Parameter(HostTensor.f32([K, N], wt));
    p.name = 'conv.weight';
    const got = await run(Tensor.input('x', [m, K]).matmul(Tensor.param(p)), x, m, { q4: {} }, 'conv_q4.onnx');
    expect(relativeError(got, matmulT(x, dequantizeQ4(quantizeQ4(w, N, K, 32)), m))).toBeLessThanOrEqual(1e-5);
  });

  it('symmetric q4 (no zero points: MatMulNBits takes 8) equals x · dequantize(quantize(W, symmetric))ᵀ', async () => {
    const p = new Parameter(HostTensor.f32([N, K], w));
    p.name = 'linear.weight';
    const got = await run(F.linear(Tensor.input('x', [m, K]), Tensor.param(p)), x, m, { q4: { symmetric: true } }, 'linear_q4_sym.onnx');
    const want = matmulT(x, dequantizeQ4(quantizeQ4(w, N, K, 32, { symmetric: true })), m);
    expect(relativeError(got, want)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(got, matmulT(x, dequantizeQ4(quantizeQ4(w, N, K, 32)), m))).toBeGreaterThan(1e-3);
  });

  it('a weight q4 keeps (by name) stays an f32 MatMul', async () => {
    const p = new Parameter(HostTensor.f32([N, K], w));
    p.name = 'lm_head.weight';
    const got = await run(F.linear(Tensor.input('x', [m, K]), Tensor.param(p)), x, m, { q4: { keep: (name) => name === 'lm_head.weight' } }, 'linear_q4_kept.onnx');
    expect(relativeError(got, matmulT(x, w, m))).toBeLessThanOrEqual(1e-6);
  });

  it('fp16 storage rounds each weight to f16 and computes in f32', async () => {
    const p = new Parameter(HostTensor.f32([N, K], w));
    p.name = 'linear.weight';
    const got = await run(F.linear(Tensor.input('x', [m, K]), Tensor.param(p)), x, m, { half: true }, 'linear_fp16.onnx');
    const rounded = Float32Array.from(w, (v) => f16BitsToF32(f32ToF16Bits(v)));
    expect(relativeError(got, matmulT(x, rounded, m))).toBeLessThanOrEqual(1e-6);
  });
});
