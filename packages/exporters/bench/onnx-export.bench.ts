/**
 * `npm run bench:export-onnx`: `exportOnnx` on the SmolLM2-135M shape (random weights), one case per
 * written variant, each in its own process so its peak RSS (VmHWM) is its own. Every case writes
 * model.onnx (f32) and, for fp16 and q4, that variant as well.
 *
 * Target from the issue: export streams tensor by tensor, so the peak RSS stays at most the model
 * in its source dtype (f32 here) plus 1.5× its largest tensor, never the whole output in memory.
 * "The model" is measured as the process holds it (RSS before the export starts: the weights plus
 * Node's own ~100 MiB), so the target is that plus 1.5× the largest tensor.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, Rng } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { type OnnxDtype, exportOnnx } from '../src/index.js';

const CASES: Record<string, Exclude<OnnxDtype, 'fp32'>[]> = { 'smollm2-135m fp32': [], 'smollm2-135m fp32+fp16': ['fp16'], 'smollm2-135m fp32+q4': ['q4'] };

const MIB = 2 ** 20;

function peakRssMib(): number {
  const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Math.round((hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024);
}

/** The SmolLM2-135M shape with seeded random weights (uniform, the initializer's scale). */
function randomModel(): CausalLM {
  const model = createModel(parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' })), { empty: true }) as CausalLM;
  const rng = new Rng(0);
  for (const [name, p] of model.namedParameters()) {
    const values = name.endsWith('norm.weight') ? new Float32Array(p.size).fill(1) : Float32Array.from({ length: p.size }, () => (rng.uniform() * 2 - 1) * 0.07);
    p.assign(new HostTensor('f32', p.shape, values));
  }
  return model;
}

async function runCase(name: string): Promise<void> {
  const model = randomModel();
  const params = model.parameters();
  const modelBytes = params.reduce((s, p) => s + p.value.byteLength, 0);
  const largest = Math.max(...params.map((p) => p.value.byteLength));
  const baseline = peakRssMib();
  const out = await mkdtemp(join(tmpdir(), 'tunekit-bench-onnx-'));
  try {
    const t0 = performance.now();
    const { files } = await exportOnnx({ model, dir: out, generationConfig: null }, join(out, 'export'), {
      variants: CASES[name]!,
      q4: { blockSize: 32, accuracyLevel: 4 },
    });
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssMib();
    const target = Math.round(baseline + (1.5 * largest) / MIB);
    const sizes = Object.fromEntries(Object.entries(files).map(([dtype, f]) => [`${dtype}_mib`, Math.round((f.modelBytes + f.dataBytes) / MIB)]));
    console.log(JSON.stringify({ bench: 'export-onnx', case: name, seconds: Math.round(seconds * 10) / 10, peak_rss_mib: peak, rss_before_export_mib: baseline, model_f32_mib: Math.round(modelBytes / MIB), largest_tensor_mib: Math.round(largest / MIB), target_peak_rss_mib: target, within_target: peak <= target, ...sizes }));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (only) {
  await runCase(only);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, name], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
