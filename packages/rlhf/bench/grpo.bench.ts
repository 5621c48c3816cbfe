/**
 * `npm run bench:grpo`: GRPO steps on a SmolLM2-135M-shaped random checkpoint (all 30 layers, f32)
 * with LoRA r16 on every linear layer: one prompt of 128 tokens, 8 completions of 128 tokens each
 * (no EOS, so every completion runs to the limit), one optimizer step per rollout. Reports rollout
 * tokens/s (all 8 rows together and per row, beside bench:generate's batch-1 decode), update
 * tokens/s and peak RSS. The first step compiles every program; the second is measured.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtExecutor, Trainer, parseTrainingArguments } from '@tunekit/core';
import { loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { GrpoTask, parseGrpoConfig } from '../src/index.js';

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
  console.log(
    JSON.stringify({
      bench: 'grpo',
      case: `smollm2-135m lora r16, ${GENERATIONS} generations × ${COMPLETION} tokens, prompt ${PROMPT}`,
      rollout_tokens_per_s: round(rolloutTokensPerS),
      rollout_tokens_per_s_per_row: round(rolloutTokensPerS / GENERATIONS),
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
