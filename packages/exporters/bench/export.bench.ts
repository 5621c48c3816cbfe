/**
 * `npm run bench:export`: GGUF export time and peak RSS per preset for the SmolLM2-135M shape, and
 * the TinyLlama-1.1B shape to Q4_K_M. Each case runs in its own process so its peak RSS (VmHWM) is
 * its own. Random f32 weights stand in for a checkpoint (the export does not care what the values
 * are, only the quantizers' search does, and they run the same code on any values); the tokenizer is
 * the quickstart's, padded to the shape's vocabulary as any smaller tokenizer would be.
 *
 * Target from the issue: export streams tensor by tensor, so the peak RSS above the process's
 * baseline stays ≤ the model in its source dtype (f32 here) + 1.5 × its largest tensor.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor } from '@tunekit/core';
import { HfTokenizer, createModel, parseModelConfig } from '@tunekit/models';
import { type TinyPreset, tinyConfigJson } from '@tunekit/models/testing';
import { type GgufPreset, exportGguf } from '../src/index.js';

const TOKENIZER_DIR = 'examples/quickstart-model';
const CASES: Record<string, { shape: TinyPreset; preset: GgufPreset }> = {};
for (const preset of ['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M'] as const) CASES[`smollm2-135m ${preset}`] = { shape: 'smollm2-135m', preset };
CASES['tinyllama-1.1b Q4_K_M'] = { shape: 'tinyllama-1.1b', preset: 'Q4_K_M' };

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const rssMib = (field: 'VmHWM' | 'VmRSS'): number => Number(new RegExp(`${field}:\\s*(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

function fillRandom(out: Float32Array, seed: number, bound: number): Float32Array {
  let s = seed | 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 * 2 - 1) * bound;
  }
  return out;
}

async function runCase(name: string): Promise<void> {
  const { shape, preset } = CASES[name]!;
  const tokenizer = await HfTokenizer.fromDir(TOKENIZER_DIR);
  const baseline = rssMib('VmRSS');
  const layers = process.env.BENCH_LAYERS ? { layers: Number(process.env.BENCH_LAYERS) } : {};
  const model = createModel(parseModelConfig(tinyConfigJson({ preset: shape, ...layers })), { empty: true });
  let modelBytes = 0;
  let largest = 0;
  for (const [i, [pname, p]] of model.namedParameters().entries()) {
    const values = pname.endsWith('norm.weight') ? new Float32Array(p.size).fill(1) : fillRandom(new Float32Array(p.size), i + 1, 0.05);
    p.assign(new HostTensor('f32', p.shape, values));
    modelBytes += values.byteLength;
    largest = Math.max(largest, values.byteLength);
  }
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-export-'));
  try {
    const path = join(dir, 'model.gguf');
    const t0 = performance.now();
    const summary = await exportGguf(model, tokenizer, TOKENIZER_DIR, path, { preset, name: shape });
    const seconds = (performance.now() - t0) / 1000;
    const peak = rssMib('VmHWM');
    const limit = mib(modelBytes + 1.5 * largest);
    const weights = modelBytes / 4;
    console.log(
      JSON.stringify({
        bench: 'export',
        case: `gguf ${name}${process.env.BENCH_LAYERS ? ` (${process.env.BENCH_LAYERS} layers)` : ''}`,
        seconds: Math.round(seconds * 10) / 10,
        weights_per_s: Math.round(weights / seconds),
        file_mib: mib((await stat(path)).size),
        peak_rss_mib: Math.round(peak),
        baseline_rss_mib: Math.round(baseline),
        model_f32_mib: mib(modelBytes),
        largest_tensor_mib: mib(largest),
        types: Object.entries(summary.types).map(([t, n]) => `${n} ${t}`).join(', '),
        target: { peak_rss_above_baseline_mib: limit },
        meets_target: peak - baseline <= limit,
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (only) {
  await runCase(only);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.exitCode = 1;
  }
}
