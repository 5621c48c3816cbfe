/**
 * `npm run bench:engine`: matmul forward+backward GFLOP/s through ONNX Runtime at SmolLM2-135M
 * shapes (512 tokens). A whole decoder layer is timed by `bench:decoder-layer` in the models package.
 */
import os from 'node:os';
import { HostTensor, OrtExecutor, Parameter, Rng, Tensor, grad } from '@tunekit/core';
import { peakRssMib, report, round, timeMedian } from './bench-utils.js';

const TOKENS = 512;
const HIDDEN = 576;
const SHAPES: [string, number, number][] = [
  ['q_proj/o_proj', HIDDEN, HIDDEN],
  ['k_proj/v_proj', HIDDEN, 192],
  ['gate_proj/up_proj', HIDDEN, 1536],
  ['down_proj', 1536, HIDDEN],
];

function random(shape: number[], rng: Rng, scale = 0.05): HostTensor<'f32'> {
  const n = shape.reduce((p, d) => p * d, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.uniform() * 2 - 1) * scale;
  return HostTensor.f32(shape, v);
}

async function matmulCase(ort: OrtExecutor, name: string, k: number, n: number, rng: Rng): Promise<void> {
  const x = new Parameter(random([TOKENS, k], rng));
  const w = new Parameter(random([n, k], rng));
  const g = Tensor.input('g', [TOKENS, n]);
  const y = Tensor.param(x).matmul(Tensor.param(w).mT);
  // The loss is an output so the forward product runs too: 2 MKN forward + 4 MKN backward.
  const loss = y.mul(g).sum();
  const [dx, dw] = grad(loss, [x, w]);
  const program = ort.compile([loss, dx, dw]);
  const feeds = { g: random([TOKENS, n], rng, 1) };
  const ms = await timeMedian(20, 3, () => program.run(feeds));
  const flops = 6 * TOKENS * k * n;
  report({
    bench: 'engine',
    case: `matmul fwd+bwd ${TOKENS}x${k}x${n} (${name})`,
    ms: round(ms, 3),
    gflops: round(flops / ms / 1e6, 1),
    tokens_per_s: round((TOKENS / ms) * 1000, 0),
    peak_rss_mib: peakRssMib(),
  });
}

async function main(): Promise<void> {
  const ort = new OrtExecutor();
  const rng = new Rng(0);
  console.error(`bench:engine on ${os.availableParallelism()} threads`);
  for (const [name, k, n] of SHAPES) await matmulCase(ort, name, k, n, rng);
  await ort.dispose();
}

await main();
