/**
 * `npm run bench:decoder-layer`: one real decoder layer (SmolLM2-135M dims, 512 tokens) forward
 * and backward with frozen weights (input gradients only, as under LoRA), through ONNX Runtime.
 */
import { HostTensor, OrtExecutor, Parameter, Rng, Tensor, grad } from '@tunekit/core';
import { DecoderLayer, parseModelConfig } from '../src/index.js';
import { tinyConfigJson } from '../src/testing/index.js';
import { ropeInverseFrequencies, rotaryTables } from '../src/architectures/rope.js';

const TOKENS = 512;

function random(shape: number[], rng: Rng): HostTensor<'f32'> {
  const v = new Float32Array(shape.reduce((p, d) => p * d, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform() * 2 - 1;
  return HostTensor.f32(shape, v);
}

async function main(): Promise<void> {
  const config = parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m', layers: 1 }));
  const { hidden, heads, kvHeads, headDim, intermediate } = config;
  const layer = new DecoderLayer(config, { dtype: 'f32', rng: new Rng(1) });
  layer.freeze();
  const rng = new Rng(2);
  const x = new Parameter(random([1, TOKENS, hidden], rng));
  const rope = rotaryTables(Tensor.input('positions', [1, TOKENS], 'i64'), ropeInverseFrequencies(config.rope!, headDim));
  const g = Tensor.input('g', [1, TOKENS, hidden]);
  const out = layer.call(Tensor.param(x), rope, null).hidden;
  const [dx] = grad(out.mul(g).sum(), [x]);
  const ort = new OrtExecutor();
  const program = ort.compile([out, dx]);
  const feeds = { positions: HostTensor.i64([1, TOKENS], Array.from({ length: TOKENS }, (_, i) => i)), g: random([1, TOKENS, hidden], rng) };
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    await program.run(feeds);
    if (i >= 2) times.push(performance.now() - t0); // two warm-up runs
  }
  const ms = Math.min(...times);
  // Forward: the seven projections and attention's two products (full square, as executed).
  // Backward to the inputs only: one product per projection (no weight gradient), four for attention.
  const proj = 2 * TOKENS * hidden * (heads * headDim * 2 + kvHeads * headDim * 2 + 3 * intermediate);
  const attn = 2 * 2 * heads * TOKENS * TOKENS * headDim;
  console.log(
    JSON.stringify({
      bench: 'decoder-layer',
      case: `decoder layer fwd+bwd (frozen weights) T=${TOKENS} SmolLM2-135M dims`,
      ms: Math.round(ms * 100) / 100,
      gflops: Math.round((2 * proj + 3 * attn) / ms / 1e5) / 10,
      tokens_per_s: Math.round((TOKENS / ms) * 1000),
      peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  await ort.dispose();
}

await main();
