/**
 * `npm run bench:generate`: greedy generation on a SmolLM2-135M-shaped random checkpoint (all 30
 * layers, f32), prompt 128 tokens, 64 new tokens, batch 1. Reports prefill time and decode
 * tokens/s against PyTorch 1.13's figures on this machine class (260 ms, 11.4 tokens/s) and the
 * memory bandwidth decoding implies: every step reads every weight once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtExecutor } from '@tunekit/core';
import { createTinyModel, generate, loadModel } from '../src/index.js';

const PROMPT_TOKENS = 128;
const NEW_TOKENS = 64;
const RUNS = 3;
const TARGET_TOKENS_PER_S = 23;
const TARGET_PREFILL_MS = 260;

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const peakRssMib = () => round(process.resourceUsage().maxRSS / 1024, 1);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-generate-'));
  try {
    await createTinyModel({ preset: 'smollm2-135m', dir, seed: 0 });
    const { model, config } = await loadModel(dir);
    const executor = new OrtExecutor();
    let s = 12345;
    const prompt = Array.from({ length: PROMPT_TOKENS }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % config.vocab));
    // No EOS, so every run decodes exactly NEW_TOKENS; the first run compiles both programs.
    const run = () => generate(model, executor, [prompt], { maxNewTokens: NEW_TOKENS, doSample: false, eosTokenIds: [] });
    await run();
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await run();
      runs.push({ ...r.timings, ms: performance.now() - t0 });
    }
    const prefillMs = median(runs.map((r) => r.prefillMs));
    const tokensPerS = median(runs.map((r) => (r.decodeSteps / r.decodeMs) * 1000));
    // A tied head is one tensor read by both the lookup (one row) and the head (all of it).
    const weightBytes = model.parameters().reduce((sum, p) => sum + p.value.byteLength, 0);
    console.log(
      JSON.stringify({
        bench: 'generate',
        case: `smollm2-135m prompt${PROMPT_TOKENS} new${NEW_TOKENS} greedy b1`,
        prefill_ms: round(prefillMs, 1),
        tokens_per_s: round(tokensPerS, 2),
        ms: round(median(runs.map((r) => r.ms)), 1),
        peak_rss_mib: peakRssMib(),
        target_tokens_per_s: TARGET_TOKENS_PER_S,
        target_prefill_ms: TARGET_PREFILL_MS,
        tokens_per_s_vs_target: round(tokensPerS / TARGET_TOKENS_PER_S, 2),
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

await main();
