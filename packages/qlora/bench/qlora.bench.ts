/**
 * `npm run bench:qlora`: one QLoRA training step (forward, loss, backward, AdamW on the adapter)
 * per model shape, beside plain LoRA on the same shape. LoRA r=16 on every linear layer, batch 1,
 * gradient checkpointing on for both (as QLoRA trains). Each case runs in its own process so its
 * peak RSS is its own (read from VmHWM: getrusage would count the parent's RSS at fork).
 *
 * The random weights are drawn and quantized one layer at a time into an empty model, the way
 * loadModel4bit quantizes a checkpoint while loading, so the full-precision model never exists.
 *
 * `BENCH_LAYERS=N` builds only N decoder layers and `BENCH_NO_GC=1` turns gradient checkpointing
 * off, for looking at how memory and time grow per layer.
 *
 * Targets from the issue: TinyLlama-1.1B shape, 512-token rows: peak RSS ≤ 2.5 GiB and tokens/s
 * ≥ 2/3 of plain LoRA's. Llama-2-7B shape, 256-token rows: one step completes in ≤ 8 GiB.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AdamW, HostTensor, OrtExecutor, Rng, Tensor, TrainStep } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { TINY_PRESETS, type TinyPreset, tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { Linear4bit, quantizeModelFrom } from '../src/index.js';

interface Case {
  preset: TinyPreset;
  tokens: number;
  quantized: boolean;
  steps: number;
  target?: Record<string, number>;
}

const CASES: Record<string, Case> = {
  'tinyllama-1.1b qlora': { preset: 'tinyllama-1.1b', tokens: 512, quantized: true, steps: 4, target: { peak_rss_mib: 2560 } },
  'tinyllama-1.1b lora': { preset: 'tinyllama-1.1b', tokens: 512, quantized: false, steps: 4 },
  'llama-2-7b qlora': { preset: 'llama-2-7b', tokens: 256, quantized: true, steps: 1, target: { peak_rss_mib: 8192 } },
};

const LORA = { r: 16, lora_alpha: 32, target_modules: 'all-linear' };

function peakRssMib(): number {
  const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Math.round((hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024);
}

/** Fast seeded uniform values with the initializer's standard deviation (√3·std bounds). */
function fillRandom(out: Float32Array, rng: Rng, std: number): Float32Array {
  const bound = std * Math.sqrt(3);
  let s = (rng.int(2 ** 31) | 1) >>> 0;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 * 2 - 1) * bound;
  }
  return out;
}

async function buildModel(spec: Case): Promise<{ model: CausalLM; frozenBytes: number; frozenParams: number }> {
  const layers = process.env.BENCH_LAYERS ? { layers: Number(process.env.BENCH_LAYERS) } : {};
  const config = parseModelConfig(tinyConfigJson({ preset: spec.preset, ...layers }));
  const std = TINY_PRESETS[spec.preset].shape.initializerRange;
  const rng = new Rng(0);
  const model = createModel(config, { empty: true });
  let scratch = new Float32Array(0);
  if (spec.quantized) {
    await quantizeModelFrom(
      model,
      async (_path, linear) => {
        const n = linear.inFeatures * linear.outFeatures;
        if (scratch.length < n) scratch = new Float32Array(n);
        return { weight: fillRandom(scratch.subarray(0, n), rng, std), bias: null };
      },
      { quantType: 'nf4', doubleQuant: true, blocksize: 64 },
    );
  }
  // Everything not quantized (embeddings, norms, the head; every weight for plain LoRA) gets values here.
  const quantizedParams = new Set<unknown>();
  for (const [, m] of model.namedModules()) if (m instanceof Linear4bit) for (const p of m.parameters()) quantizedParams.add(p);
  for (const [name, p] of model.namedParameters()) {
    if (quantizedParams.has(p)) continue;
    const values = name.endsWith('norm.weight') ? new Float32Array(p.size).fill(1) : fillRandom(new Float32Array(p.size), rng, std);
    p.assign(new HostTensor('f32', p.shape, values));
  }
  let frozenBytes = 0;
  let frozenParams = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof Linear4bit) {
      frozenBytes += m.quantizedBytes();
      frozenParams += m.inFeatures * m.outFeatures;
    }
  }
  if (!spec.quantized) for (const [name, p] of model.namedParameters()) if (/_proj\.weight$/.test(name)) (frozenBytes += p.value.byteLength), (frozenParams += p.size);
  return { model, frozenBytes, frozenParams };
}

async function runCase(name: string): Promise<void> {
  const spec = CASES[name]!;
  const t0 = performance.now();
  const { model, frozenBytes, frozenParams } = await buildModel(spec);
  const buildMs = performance.now() - t0;
  LoraModel.inject(model, parseLoraConfig(LORA), { seed: 0 });
  model.setGradientCheckpointing(process.env.BENCH_NO_GC !== '1');
  const params = model.trainableParameters();
  const executor = new OrtExecutor();
  const step = new TrainStep(executor, params);
  const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
  const rng = new Rng(1);
  const vocab = model.config.vocab;
  const ids = HostTensor.i64([1, spec.tokens], Array.from({ length: spec.tokens }, () => rng.int(vocab)));
  const once = async () => {
    const { loss } = await step.run(() => {
      const input = Tensor.input('input_ids', [1, spec.tokens], 'i64');
      return model.loss(input, input);
    }, { input_ids: ids });
    optimizer.step();
    optimizer.zeroGrad();
    return loss;
  };
  const times: number[] = [];
  let loss = NaN;
  for (let i = 0; i < spec.steps; i++) {
    const s = performance.now();
    loss = await once();
    times.push(performance.now() - s);
  }
  // The first step compiles; with more than two steps, the median of the rest.
  const timed = times.length > 2 ? times.slice(1).sort((a, b) => a - b) : times;
  const ms = timed[Math.floor(timed.length / 2)]!;
  const tokensPerS = Math.round((spec.tokens / ms) * 10000) / 10;
  const rss = peakRssMib();
  console.log(
    JSON.stringify({
      bench: 'qlora',
      case: `${name} T=${spec.tokens} b1 lora r16 all-linear`,
      tokens_per_s: tokensPerS,
      ms: Math.round(ms),
      peak_rss_mib: rss,
      frozen_bytes_per_param: Math.round((frozenBytes / frozenParams) * 1000) / 1000,
      build_ms: Math.round(buildMs),
      first_step_ms: Math.round(times[0]!),
      loss: Math.round(loss * 1000) / 1000,
      trainable_params: params.reduce((s, p) => s + p.size, 0),
      ...(spec.target ? { target: spec.target, meets_target: Object.entries(spec.target).every(([k, v]) => (k === 'peak_rss_mib' ? rss <= v : true)) } : {}),
    }),
  );
  await executor.dispose();
}

const only = process.argv[2];
if (only) {
  await runCase(only);
} else {
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, number> = {};
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.exitCode = 1;
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (line) results[name] = (JSON.parse(line) as { tokens_per_s: number }).tokens_per_s;
  }
  const q = results['tinyllama-1.1b qlora'];
  const l = results['tinyllama-1.1b lora'];
  if (q !== undefined && l !== undefined) {
    const ratio = Math.round((q / l) * 1000) / 1000;
    console.log(JSON.stringify({ bench: 'qlora', case: 'tinyllama-1.1b qlora/lora tokens/s', ratio, target: { ratio: 0.667 }, meets_target: ratio >= 2 / 3 }));
  }
}
