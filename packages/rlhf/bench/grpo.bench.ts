/**
 * `npm run bench:grpo`: GRPO steps on a SmolLM2-135M-shaped random checkpoint (all 30 layers, f32)
 * with LoRA r16 on every linear layer: one prompt of 128 tokens, 8 completions of 128 tokens each
 * (no EOS, so every completion runs to the limit), one optimizer step per rollout. Reports rollout
 * tokens/s (all 8 rows together and per row), the generator alone on the same 8 rows under the
 * same load (per row, all in and decode only, as bench:generate counts), update tokens/s and peak
 * RSS. The first step compiles every program; the second is measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtExecutor, Trainer, parseTrainingArguments } from '@tunekit/core';
import { generate, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { GrpoTask, parseGrpoConfig } from '../src/index.js';
import { samplingSettings } from '../src/online/online.config.js';
import { generationOptions } from '../src/online/rollout.js';

const [PROMPT, COMPLETION, GENERATIONS] = [128, 128, 8];
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-grpo-'));
try {
  await createTinyModel({ preset: 'smollm2-135m', dir, seed: 0 });
  const { model, config } = await loadModel(dir);
  const adapter = LORA_METHOD.apply(model, parseLoraConfig({ r: 16, lora_alpha: 32, lora_dropout: 0, target_modules: 'all-linear' }), { seed: 0 });
  const executor = new OrtExecutor();
  let s = 12345;
  const prompts = [0, 1].map((k) => ({
    prompt: `p${k}`,
    promptIds: Array.from({ length: PROMPT }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % config.vocab)),
    columns: {},
    source: { file: 'bench', line: k + 1 },
  }));
  const grpo = parseGrpoConfig({ reward_funcs: ['bench#length'], num_generations: GENERATIONS, max_completion_length: COMPLETION });
  const task = new GrpoTask(
    {
      model,
      executor,
      // No EOS: every completion is COMPLETION tokens long.
      generationConfig: { eos_token_id: [], pad_token_id: 0 },
      prompts,
      rewardFunctions: [{ name: 'length', fn: ({ completionIds }) => completionIds.map((c, i) => (c.length + i) % 3) }],
      training: { per_device_train_batch_size: GENERATIONS, gradient_accumulation_steps: 1, seed: 0 },
    },
    grpo,
  );
  const args = parseTrainingArguments({ output_dir: join(dir, 'run'), per_device_train_batch_size: GENERATIONS, max_steps: 2, logging_steps: 1, save_strategy: 'no', learning_rate: 1e-5 });
  const trainer = Trainer.create({ args, task, executor, checkpointer: task.wrapCheckpointer(adapter.checkpointer()) });
  const steps: { ms: number; tokens: number }[] = [];
  trainer.bus.on('step').subscribe((e) => steps.push({ ms: e.elapsedMs, tokens: e.tokens }));
  await trainer.train(task.data);
  const logged = trainer.trainerState.log_history.filter((e) => e.loss !== undefined && e.train_runtime === undefined);
  const generationS = logged[1]['timing/generation_s'] as number;
  const updateS = steps[1].ms / 1000 - generationS;
  const rolloutTokensPerS = (GENERATIONS * COMPLETION) / generationS;
  // The reference under the same load: the generator alone on the same 8 rows (LoRA on, sampling),
  // decode speed per row as bench:generate measures it (prefill excluded), and all in.
  const t0 = performance.now();
  const direct = await generate(model, executor, Array.from({ length: GENERATIONS }, () => prompts[0].promptIds), { ...generationOptions(samplingSettings(grpo)), eosTokenIds: [], padTokenId: 0, seed: 1 });
  const directS = (performance.now() - t0) / 1000;
  const decodePerRow = (direct.timings.decodeSteps / direct.timings.decodeMs) * 1000;
  console.log(
    JSON.stringify({
      bench: 'grpo',
      case: `smollm2-135m lora r16, ${GENERATIONS} generations × ${COMPLETION} tokens, prompt ${PROMPT}`,
      rollout_tokens_per_s: round(rolloutTokensPerS),
      rollout_tokens_per_s_per_row: round(rolloutTokensPerS / GENERATIONS),
      generate_same_batch_tokens_per_s_per_row: round(COMPLETION / directS),
      generate_same_batch_decode_tokens_per_s_per_row: round(decodePerRow),
      generate_same_batch_prefill_s: round(direct.timings.prefillMs / 1000),
      rollout_vs_generate: round(rolloutTokensPerS / GENERATIONS / (COMPLETION / directS)),
      update_tokens_per_s: round(steps[1].tokens / updateS),
      generation_s: round(generationS),
      update_s: round(updateS),
      peak_rss_mib: round(process.resourceUsage().maxRSS / 1024, 1),
      load_avg_1m: round(loadavg()[0], 2),
    }),
  );
  await executor.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
