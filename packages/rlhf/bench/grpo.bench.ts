/**
 * `npm run bench:grpo`: GRPO steps on a SmolLM2-135M-shaped random checkpoint (all 30 layers, f32)
 * with LoRA r16 on every linear layer: prompts of 128 tokens, 8 completions of 128 tokens each
 * (no EOS, so every completion runs to the limit), one optimizer step of 8 completions per prompt.
 * Three cases: one prompt per rollout (8 rows decode together), two (TRL's steps_per_generation
 * 2: 16 rows decode together, then two optimizer steps), and one with `rollout_quantization: int8`
 * (the frozen base rounded to int8 once, the adapter exact; the loss importance-sampling corrected,
 * whose sampler-to-policy log-prob gaps it reports). Exact rollouts sample
 * with the adapter merged into the base weights, as a run does. Reports rollout tokens/s (all 8 rows
 * together and per row; merge, prefill and sampling included), update tokens/s and peak RSS, and the
 * issue's bar measured in the same process under the same load: bench:generate's batched decode per
 * row (its `smollm2-135m-b8` case: 8 rows of the prompt, 64 greedy new tokens, decode only), and the
 * generator alone at the rollout's exact shape (the same 8 rows, 128 sampled new tokens, the same
 * sampling options and generation config, the adapter merged as the rollout merges it, timed as the
 * rollout is: merge, prefill, decode and restore), so rollout / generator says what the training
 * machinery around the generator costs. Each case runs ROLLOUTS rollouts and reports the mean of
 * those after the first WARMUP: the first compiles every program, and the second still runs each
 * ORT session for the second time, which on this machine cost 2-4× the merge and 2× the prefill of
 * the rollouts after it (0.86-1.03 s against 0.23-0.26 s; 0.51 s against 0.24 s), a start-up cost a
 * run of hundreds of rollouts pays once. The bar is the median of three timed runs after one that
 * compiles, as bench:generate takes it; the generator-alone run reuses the rollout's programs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtExecutor, Trainer, parseTrainingArguments } from '@tunekit/core';
import { generate, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { GrpoTask, type RolloutQuantization, parseGrpoConfig } from '../src/index.js';
import { samplingSettings } from '../src/online/online.config.js';
import { generationOptions, type Rollout } from '../src/online/rollout.js';
import type { PromptRecord } from '@tunekit/data';

/** GRPO as the trainer runs it, keeping each rollout's generator timings (prefill, decode) to split the rollout's time. */
class TimedGrpoTask extends GrpoTask {
  readonly generatorTimings: Rollout['generatorTimings'][] = [];
  protected override async scoredRollout(prompts: readonly PromptRecord[], seed: number) {
    const scored = await super.scoredRollout(prompts, seed);
    this.generatorTimings.push(scored.rollout.generatorTimings);
    return scored;
  }
}

const [PROMPT, COMPLETION, GENERATIONS] = [128, 128, 8];
/** Rollouts per case, and how many of them are warm-up (not reported). */
const [ROLLOUTS, WARMUP] = [4, 2];
/** bench:generate's batched case: the bar's reference. */
const GENERATE_B8 = { rows: 8, newTokens: 64 };
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-grpo-'));
try {
  await createTinyModel({ preset: 'smollm2-135m', dir, seed: 0 });
  const { model, config } = await loadModel(dir);
  const adapter = LORA_METHOD.apply(model, parseLoraConfig({ r: 16, lora_alpha: 32, lora_dropout: 0, target_modules: 'all-linear' }), { seed: 0 });
  const withMergedAdapter = adapter.withMergedAdapter!.bind(adapter);
  const executor = new OrtExecutor();
  let s = 12345;
  const prompts = [0, 1, 2, 3].map((k) => ({
    prompt: `p${k}`,
    promptIds: Array.from({ length: PROMPT }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % config.vocab)),
    columns: {},
    source: { file: 'bench', line: k + 1 },
  }));
  // No EOS: every completion is COMPLETION tokens long.
  const generationConfig = { eos_token_id: [], pad_token_id: 0 };

  /** ROLLOUTS rollouts of `promptsPerRollout` prompts each, with their updates; the mean of those after WARMUP. */
  async function grpoSteps(promptsPerRollout: number, quantization: RolloutQuantization | null = null) {
    const grpo = parseGrpoConfig({ reward_funcs: ['bench#length'], num_generations: GENERATIONS, max_completion_length: COMPLETION, steps_per_generation: promptsPerRollout, rollout_quantization: quantization });
    const task = new TimedGrpoTask(
      {
        model,
        executor,
        generationConfig,
        withMergedAdapter,
        prompts,
        rewardFunctions: [{ name: 'length', fn: ({ completionIds }) => completionIds.map((c, i) => (c.length + i) % 3) }],
        training: { per_device_train_batch_size: GENERATIONS, gradient_accumulation_steps: 1, seed: 0 },
      },
      grpo,
    );
    const args = parseTrainingArguments({ output_dir: join(dir, `run-${promptsPerRollout}-${quantization}`), per_device_train_batch_size: GENERATIONS, max_steps: ROLLOUTS * promptsPerRollout, logging_steps: 1, save_strategy: 'no', learning_rate: 1e-5 });
    const trainer = Trainer.create({ args, task, executor, checkpointer: task.wrapCheckpointer(adapter.checkpointer()) });
    const steps: { ms: number; tokens: number }[] = [];
    trainer.bus.on('step').subscribe((e) => steps.push({ ms: e.elapsedMs, tokens: e.tokens }));
    await trainer.train(task.data);
    const logged = trainer.trainerState.log_history.filter((e) => e.loss !== undefined && e.train_runtime === undefined);
    // A rollout's first step samples and scores it, then updates; the rest of its steps only update.
    const measured = Array.from({ length: ROLLOUTS - WARMUP }, (_, i) => {
      const first = (WARMUP + i) * promptsPerRollout;
      const [generationS, scoringS] = [logged[first]['timing/generation_s'] as number, logged[first]['timing/scoring_s'] as number];
      const own = steps.slice(first, first + promptsPerRollout);
      const updateS = own.reduce((t, e) => t + e.ms, 0) / 1000 - generationS - scoringS;
      const inside = task.generatorTimings[WARMUP + i];
      return { generationS, scoringS, updateS, updateTokens: own.reduce((t, e) => t + e.tokens, 0), inside };
    });
    const generationS = mean(measured.map((m) => m.generationS));
    const inside = { prefillMs: mean(measured.map((m) => m.inside.prefillMs)), decodeMs: mean(measured.map((m) => m.inside.decodeMs)), decodeSteps: measured[0].inside.decodeSteps };
    const sum = (key: 'updateS' | 'updateTokens') => measured.reduce((t, m) => t + m[key], 0);
    // What the correction saw: how far the sampler's log-probs were from the policy's, and the weights it gave.
    const sampling = quantization
      ? Object.fromEntries(
          ['sampling/sampling_logp_difference/mean', 'sampling/sampling_logp_difference/max', 'sampling/importance_sampling_ratio/min', 'sampling/importance_sampling_ratio/max'].map((k) => [
            k,
            round(mean(measured.map((_, i) => logged[(WARMUP + i) * promptsPerRollout][k] as number)), 4),
          ]),
        )
      : null;
    return { rows: GENERATIONS * promptsPerRollout, quantization, rolloutPerRow: COMPLETION / generationS, generationS, scoringS: mean(measured.map((m) => m.scoringS)), updateS: sum('updateS') / measured.length, updateTokensPerS: sum('updateTokens') / sum('updateS'), inside, sampling };
  }

  const loadBefore = loadavg()[0];
  const cases = [await grpoSteps(1), await grpoSteps(2), await grpoSteps(1, 'int8')];
  // The bar under the same load, right after: bench:generate's batched case on this model. The
  // merged model decodes the base model's program, which is what bench:generate runs.
  const mergeStart = performance.now();
  await withMergedAdapter(executor, async () => {});
  const mergeS = (performance.now() - mergeStart) / 1000;
  const barRows = Array.from({ length: GENERATE_B8.rows }, () => prompts[0].promptIds);
  const greedy = () => withMergedAdapter(executor, () => generate(model, executor, barRows, { maxNewTokens: GENERATE_B8.newTokens, doSample: false, eosTokenIds: [], padTokenId: 0 }));
  await greedy();
  const barRuns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { decodeSteps, decodeMs } = (await greedy()).timings;
    barRuns.push((decodeSteps / decodeMs) * 1000);
  }
  const barPerRow = median(barRuns);
  // The generator alone at the one-prompt rollout's shape: sampleRollout's generate call without
  // the trainer, the task or the scoring around it, on rows of the same prompt.
  const aloneRows = Array.from({ length: GENERATIONS }, () => prompts[0].promptIds);
  model.train(false);
  const grpo = parseGrpoConfig({ reward_funcs: ['bench#length'], num_generations: GENERATIONS, max_completion_length: COMPLETION });
  const aloneStart = performance.now();
  const alone = await withMergedAdapter(executor, () => generate(model, executor, aloneRows, { generationConfig, ...generationOptions(samplingSettings(grpo)), seed: 0 }));
  const aloneS = (performance.now() - aloneStart) / 1000;
  const alonePerRow = COMPLETION / aloneS;
  const peak = round(process.resourceUsage().maxRSS / 1024, 1);
  const load = { before: round(loadBefore), after: round(loadavg()[0]) };
  for (const c of cases) {
    const prompts = c.rows / GENERATIONS;
    console.log(
      JSON.stringify({
        bench: 'grpo',
        case: `smollm2-135m lora r16, ${prompts} prompt${prompts > 1 ? 's' : ''} × ${GENERATIONS} generations × ${COMPLETION} tokens per rollout (${c.rows} rows decode together), prompt ${PROMPT}${c.quantization ? `, rollout_quantization ${c.quantization} (base rounded, adapter exact, importance-sampling corrected)` : ''}`,
        rollout_tokens_per_s: round(c.rolloutPerRow * c.rows),
        rollout_tokens_per_s_per_row: round(c.rolloutPerRow),
        target: `rollout_tokens_per_s_per_row ≥ bench:generate's batched decode per row (smollm2-135m-b8: ${GENERATE_B8.rows} rows, ${GENERATE_B8.newTokens} new tokens), measured here after the steps`,
        generate_b8_decode_tokens_per_s_per_row: round(barPerRow),
        rollout_vs_target: round(c.rolloutPerRow / barPerRow),
        rollout_decode_tokens_per_s_per_row: round((c.inside.decodeSteps / c.inside.decodeMs) * 1000),
        rollout_decode_vs_target: round((c.inside.decodeSteps / c.inside.decodeMs) * 1000 / barPerRow),
        rollout_prefill_s: round(c.inside.prefillMs / 1000),
        rollout_outside_generate_s: round(c.generationS - (c.inside.prefillMs + c.inside.decodeMs) / 1000),
        ...(c.sampling ?? {}),
        ...(c.rows === GENERATIONS && !c.quantization
          ? {
              generator_alone: `generate() on the plain model with the adapter merged, ${GENERATIONS} rows of the prompt, ${COMPLETION} sampled new tokens, timed like the rollout (merge + prefill + decode + restore)`,
              generator_alone_tokens_per_s_per_row: round(alonePerRow),
              generator_alone_decode_tokens_per_s_per_row: round((alone.timings.decodeSteps / alone.timings.decodeMs) * 1000),
              generator_alone_prefill_s: round(alone.timings.prefillMs / 1000),
              rollout_vs_generator_alone: round(c.rolloutPerRow / alonePerRow),
            }
          : {}),
        merge_and_restore_s: round(mergeS),
        update_tokens_per_s: round(c.updateTokensPerS),
        measured: `mean of rollouts ${WARMUP + 1}-${ROLLOUTS} (the first ${WARMUP} are warm-up)`,
        generation_s: round(c.generationS),
        scoring_s: round(c.scoringS),
        update_s: round(c.updateS),
        peak_rss_mib: peak,
        load_avg_1m: load,
      }),
    );
  }
  await executor.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
