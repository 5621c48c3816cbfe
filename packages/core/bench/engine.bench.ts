/**
 * `npm run bench:engine`: matmul forward+backward GFLOP/s through ONNX Runtime at SmolLM2-135M
 * shapes (512 tokens), and one decoder block forward+backward with frozen weights (input
 * gradients only, as under LoRA).
 */
import os from 'node:os';
import { DecoderBlock, HostTensor, OrtExecutor, Parameter, Rng, Tensor, grad } from '@tunekit/core';
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

async function blockCase(ort: OrtExecutor): Promise<void> {
  const config = { vocab: 49152, hidden: HIDDEN, intermediate: 1536, layers: 1, heads: 9, kvHeads: 3 };
  const block = new DecoderBlock(config, new Rng(1));
  block.freeze();
  const rng = new Rng(2);
  const x = new Parameter(random([1, TOKENS, HIDDEN], rng, 1));
  const headDim = HIDDEN / config.heads;
  const cos = Tensor.input('cos', [1, 1, TOKENS, headDim]);
  const sin = Tensor.input('sin', [1, 1, TOKENS, headDim]);
  const g = Tensor.input('g', [1, TOKENS, HIDDEN]);
  const out = block.call(Tensor.param(x), cos, sin);
  const [dx] = grad(out.mul(g).sum(), [x]);
  const program = ort.compile([out, dx]);
  const feeds = { cos: random([1, 1, TOKENS, headDim], rng, 1), sin: random([1, 1, TOKENS, headDim], rng, 1), g: random([1, TOKENS, HIDDEN], rng, 1) };
  const ms = await timeMedian(10, 2, () => program.run(feeds));
  // Forward: the seven projections and attention's two products (full square, as executed).
  // Backward to the inputs only: one product per projection (no weight gradient), four for attention.
  const proj = 2 * TOKENS * HIDDEN * (HIDDEN + 2 * 192 + HIDDEN + 3 * 1536);
  const attn = 2 * 2 * config.heads * TOKENS * TOKENS * headDim;
  const flops = 2 * proj + 3 * attn;
  report({
    bench: 'engine',
    case: `decoder block fwd+bwd (frozen weights) T=${TOKENS} SmolLM2-135M dims`,
    ms: round(ms, 2),
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
  await blockCase(ort);
  await ort.dispose();
}

await main();
