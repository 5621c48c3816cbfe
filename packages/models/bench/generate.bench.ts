/**
 * `npm run bench:generate`: greedy generation on a SmolLM2-135M-shaped random checkpoint (all 30
 * layers, f32), prompt 128 tokens, 64 new tokens, batch 1. Reports prefill time and decode
 * tokens/s against PyTorch 1.13's figures on this machine class (260 ms, 11.4 tokens/s) and the
 * memory bandwidth decoding implies: every step reads every weight once. The batched case decodes 8
 * rows of one prompt at once, as a GRPO rollout samples (its per-row speed is bench:grpo's bar).
 * The mixture-of-experts case decodes a Qwen3-30B-A3B-shaped model (2 layers, 16 experts of the
 * real size, see TINY_PRESETS), shorter, with no target. Each case runs in its own process so its
 * peak RSS is its own; `npm run bench:generate -- <case>` runs one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrtExecutor } from '@tunekit/core';
import { generate, loadModel } from '../src/index.js';
import { type TinyPreset, createTinyModel } from '../src/testing/index.js';

interface GenerateCase {
  preset: TinyPreset;
  prompt: number;
  newTokens: number;
  runs: number;
  /** Rows decoded together (the prompt repeated); 1 unless set. */
  batch?: number;
  target?: { tokens_per_s: number; prefill_ms: number };
}

const CASES: Record<string, GenerateCase> = {
  'smollm2-135m': { preset: 'smollm2-135m', prompt: 128, newTokens: 64, runs: 3, target: { tokens_per_s: 23, prefill_ms: 260 } },
  'smollm2-135m-b8': { preset: 'smollm2-135m', prompt: 128, newTokens: 64, runs: 3, batch: 8 },
  moe: { preset: 'qwen3-30b-a3b', prompt: 64, newTokens: 16, runs: 1 },
};

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakRssMib = () => round(process.resourceUsage().maxRSS / 1024, 1);

async function runCase(c: GenerateCase): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-generate-'));
  const [PROMPT_TOKENS, NEW_TOKENS] = [c.prompt, c.newTokens];
  try {
    await createTinyModel({ preset: c.preset, dir, seed: 0 });
    const { model, config } = await loadModel(dir);
    const executor = new OrtExecutor();
    let s = 12345;
    const prompt = Array.from({ length: PROMPT_TOKENS }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % config.vocab));
    // No EOS, so every run decodes exactly NEW_TOKENS; the first run compiles both programs.
    const batch = c.batch ?? 1;
    const run = () => generate(model, executor, Array.from({ length: batch }, () => prompt), { maxNewTokens: NEW_TOKENS, doSample: false, eosTokenIds: [] });
    await run();
    const runs = [];
    for (let i = 0; i < c.runs; i++) {
      const t0 = performance.now();
      const r = await run();
      runs.push({ ...r.timings, ms: performance.now() - t0 });
    }
    const prefillMs = median(runs.map((r) => r.prefillMs));
    // Per row: each step gives every row one token.
    const tokensPerS = median(runs.map((r) => (r.decodeSteps / r.decodeMs) * 1000));
    // A tied head is one tensor read by both the lookup (one row) and the head (all of it).
    const weightBytes = model.parameters().reduce((sum, p) => sum + p.value.byteLength, 0);
    console.log(
      JSON.stringify({
        bench: 'generate',
        case: `${c.preset} prompt${PROMPT_TOKENS} new${NEW_TOKENS} greedy b${batch}`,
        prefill_ms: round(prefillMs, 1),
        tokens_per_s: round(tokensPerS, 2),
        // tokens_per_s is per row (one token per row per step); the batch's total beside it.
        ...(batch > 1 ? { tokens_per_s_all_rows: round(tokensPerS * batch, 2) } : {}),
        ms: round(median(runs.map((r) => r.ms)), 1),
        peak_rss_mib: peakRssMib(),
        ...(c.target
          ? { target_tokens_per_s: c.target.tokens_per_s, target_prefill_ms: c.target.prefill_ms, tokens_per_s_vs_target: round(tokensPerS / c.target.tokens_per_s, 2) }
          : {}),
        weight_mb: round(weightBytes / 1e6, 1),
        bandwidth_gb_s: round((weightBytes * tokensPerS) / 1e9, 2),
        // Decoding is memory-bound: other processes on a 2-core machine halve it. Read figures with this.
        load_avg_1m: round(loadavg()[0], 2),
      }),
    );
    await executor.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
if (only) {
  if (!CASES[only]) throw new Error(`bench:generate: no case "${only}" (cases: ${Object.keys(CASES).join(', ')})`);
  await runCase(CASES[only]);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, name], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
