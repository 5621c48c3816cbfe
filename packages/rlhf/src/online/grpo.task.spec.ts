import { LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { OrtExecutor, Trainer, parseTrainingArguments, withQuantizedLinears } from '@tunekit/core';
import { generate } from '@tunekit/models';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseGrpoConfig } from './grpo.config.js';
import { parseRlooConfig } from './rloo.config.js';
import { GrpoTask } from './grpo.task.js';
import { EOS, evenLength, hitsTarget, onlineContext, tempDir, tinyModel, tinyPolicy, tinyPrompts } from './online.test-support.js';
import { COMPLETIONS_FILE } from './completion-log.js';
import { ROLLOUT_SAMPLER } from './online-task.base.js';
import { sampleRollout } from './rollout.js';
import { ROLLOUT_QUANTIZATION, frozenLinearWeights } from './rollout-quantization.js';
import type { NamedRewardFunction } from './reward-functions.js';
import { expectTimings } from './rollout-metrics.test-support.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

const SETTINGS = { temperature: 0.9, topP: 0.95, topK: 20, repetitionPenalty: 1, minP: 0, maxCompletionLength: 6 };

describe('rollouts', () => {
  const prompts = tinyPrompts(3).map((p) => p.promptIds);
  const rows = prompts.flatMap((p) => [p, p, p]);

  it('a seeded rollout equals seeded sampling with the same settings outside training', async () => {
    const policy = tinyPolicy();
    const rollout = await sampleRollout(onlineContext(policy, executor), prompts, 3, SETTINGS, 1234);
    const direct = await generate(policy.model, executor, rows, { doSample: true, temperature: 0.9, topP: 0.95, topK: 20, maxNewTokens: 6, seed: 1234, eosTokenIds: [EOS], padTokenId: 0 });
    expect(rollout.completionIds).toEqual(direct.outputIds);
    expect(rollout.truncated).toEqual(direct.finishReasons.map((r) => r === 'length'));
    // Sampling, not copying: the three completions of a prompt are not all the same.
    expect(new Set(rollout.completionIds.slice(0, 3).map((c) => c.join())).size).toBeGreaterThan(1);
  });

  it('at temperature 0 a rollout is greedy decoding, and so it is at min_p 1 (only the most likely token stays in the draw)', async () => {
    const policy = tinyPolicy();
    const rollout = await sampleRollout(onlineContext(policy, executor), prompts, 2, { ...SETTINGS, temperature: 0 }, 5);
    const greedy = await generate(policy.model, executor, prompts.flatMap((p) => [p, p]), { maxNewTokens: 6, eosTokenIds: [EOS], padTokenId: 0 });
    expect(rollout.completionIds).toEqual(greedy.outputIds);
    const onlyBest = await sampleRollout(onlineContext(policy, executor), prompts, 2, { ...SETTINGS, minP: 1 }, 5);
    expect(onlyBest.completionIds).toEqual(greedy.outputIds);
    const sampled = await sampleRollout(onlineContext(policy, executor), prompts, 2, SETTINGS, 5);
    expect(sampled.completionIds).not.toEqual(greedy.outputIds);
  });

  it("a quantized rollout (int8 base, exact adapter) is seeded sampling with that base outside training, and carries the sampler's log-probs", async () => {
    const policy = tinyPolicy();
    const sampler = { weights: frozenLinearWeights(policy.model), quantization: ROLLOUT_QUANTIZATION.int8 };
    const rollout = await sampleRollout(onlineContext(policy, executor), prompts, 3, SETTINGS, 1234, sampler);
    const options = { doSample: true, temperature: 0.9, topP: 0.95, topK: 20, maxNewTokens: 6, seed: 1234, eosTokenIds: [EOS], padTokenId: 0, outputLogprobs: true };
    const direct = await withQuantizedLinears(executor, sampler.weights, sampler.quantization, (ex) => generate(policy.model, ex, rows, options));
    expect(rollout.completionIds).toEqual(direct.outputIds);
    expect(rollout.samplingLogprobs).toEqual(direct.logprobs);
    // Sampled by the policy itself, a rollout carries no sampler log-probs (there is nothing to correct).
    const exact = await sampleRollout(onlineContext(policy, executor), prompts, 3, SETTINGS, 1234);
    expect(exact.samplingLogprobs).toBeUndefined();
  });
});

const grpoArgs = (output_dir: string, over: Record<string, unknown> = {}) =>
  parseTrainingArguments({ output_dir, per_device_train_batch_size: 4, gradient_accumulation_steps: 2, learning_rate: 5e-2, logging_steps: 1, max_steps: 4, save_steps: 1, seed: 42, ...over });

async function run(config: Record<string, unknown>, output_dir: string, resume: string | null = null, policy = tinyPolicy()) {
  const task = new GrpoTask(onlineContext(policy, executor, { rewardFunctions: [{ name: 'hitsTarget', fn: (await import('./online.test-support.js')).hitsTarget.fn }, evenLength] }), parseGrpoConfig(config));
  const trainer = Trainer.create({ args: grpoArgs(output_dir), task, executor, checkpointer: task.data.checkpointer(policy.adapter.checkpointer()) });
  await trainer.train(task.data, { resumeFromCheckpoint: resume });
  return trainer.trainerState.log_history.filter((e) => e.loss !== undefined && e.train_runtime === undefined);
}

const BASE = { num_generations: 4, max_completion_length: 6, temperature: 1.0, reward_funcs: ['./r.ts#hitsTarget', './r.ts#evenLength'], reward_weights: [1, 0.5] };

describe('GRPO in the trainer', () => {
  it('logs what TRL logs: rewards overall and per function, clip ratio, entropy, completion lengths, timings split into generation, scoring and update', async () => {
    const logs = await run(BASE, tempDir());
    expect(logs).toHaveLength(4);
    for (const key of ['reward', 'reward_std', 'rewards/hitsTarget/mean', 'rewards/evenLength/std', 'frac_reward_zero_std', 'clip_ratio/region_mean', 'entropy', 'completions/mean_length', 'completions/max_length', 'completions/clipped_ratio', 'timing/generation_s', 'timing/scoring_s', 'timing/update_s']) {
      expect(logs[0][key], key).toBeTypeOf('number');
    }
    expectTimings(logs);
    // One update per rollout: the ratio is exactly 1, nothing is clipped, no KL is logged with beta 0.
    expect(logs.every((l) => l['clip_ratio/region_mean'] === 0)).toBe(true);
    expect(logs[0].kl).toBeUndefined();
    expect(logs[0]['completions/max_length']).toBeLessThanOrEqual(6);
    expect(logs[0].entropy).toBeGreaterThan(0);
  });

  it('resuming mid-rollout (num_iterations 2, beta > 0) gives the rewards and losses of the run that did not stop', async () => {
    const config = { ...BASE, num_iterations: 2, beta: 0.04, loss_type: 'grpo' };
    const dir = tempDir();
    const straight = await run(config, dir);
    // A later rollout reuses its completions: the policy has moved, so some ratios differ from 1, and the KL is logged.
    expect(straight[1].kl).toBeGreaterThan(0);
    // The resumed history starts with the checkpoint's own entry for step 1.
    const resumed = (await run(config, tempDir(), `${dir}/checkpoint-1`)).filter((l) => l.step > 1);
    expect(resumed.map((l) => l.step)).toEqual([2, 3, 4]);
    for (const [i, entry] of resumed.entries()) {
      const want = straight[i + 1];
      for (const key of ['loss', 'reward', 'kl', 'entropy', 'rewards/hitsTarget/mean']) expect(entry[key], `step ${entry.step} ${key}`).toBeCloseTo(want[key] as number, 6);
    }
  });

  it("reaches the update with TRL's further options: entropy_coef from the first step, top_entropy_quantile, delta, use_bias_correction_kl and off_policy_mask_threshold from the reused rollout on, normalize_then_sum through the advantages", async () => {
    const config = { ...BASE, num_iterations: 2, beta: 0.04, loss_type: 'grpo' };
    const base = await run(config, tempDir());
    const loss = (logs: typeof base) => logs.map((l) => l.loss as number);
    // Step 1 samples and updates with ratio 1 (nothing to cap, mask or reweigh); step 2 reuses those completions.
    // The entropy bonus changes the loss from the first step.
    const bonus = await run({ ...config, entropy_coef: 0.01 }, tempDir());
    expect(bonus[0].loss).toBeCloseTo(base[0].loss! - 0.01 * base[0].entropy!, 6);
    expect(bonus[0].policy_loss).toBeCloseTo(base[0].loss!, 9);
    // Half the tokens carry the policy loss: the first update differs.
    const topHalf = await run({ ...config, top_entropy_quantile: 0.5 }, tempDir());
    expect(Math.abs(topHalf[1].loss! - base[1].loss!)).toBeGreaterThan(1e-6);
    for (const over of [{ delta: 1.000001 }, { use_bias_correction_kl: true }, { off_policy_mask_threshold: 0 }]) {
      const [first, second] = loss(await run({ ...config, ...over }, tempDir()));
      expect(first, JSON.stringify(over)).toBeCloseTo(loss(base)[0], 9);
      expect(Math.abs(second - loss(base)[1]), JSON.stringify(over)).toBeGreaterThan(1e-7);
    }
    // Other advantages from the first rollout on: at ratio 1 both losses are −mean A = 0 at step 1, but the
    // first update differs, and so does everything after it.
    const gdpo = await run({ ...config, multi_objective_aggregation: 'normalize_then_sum' }, tempDir());
    expect(Math.abs(gdpo[1].loss! - base[1].loss!)).toBeGreaterThan(1e-6);
    // The logged reward stays the weighted sum of the functions' rewards, as TRL logs it either way.
    expect(gdpo[0].reward).toBeCloseTo(base[0].reward as number, 9);
  });

  it("takes TRL's generation_batch_size as completions per rollout: steps_per_generation = it ÷ per_device_train_batch_size", () => {
    const policy = tinyPolicy();
    const task = (over: Record<string, unknown>) => new GrpoTask(onlineContext(policy, executor), parseGrpoConfig({ reward_funcs: ['./r.ts#hitsTarget'], num_generations: 4, ...over }));
    // onlineContext: per_device_train_batch_size 4, gradient_accumulation_steps 2.
    expect(task({}).plan.stepsPerGeneration).toBe(2);
    expect(task({ generation_batch_size: 16 }).plan.stepsPerGeneration).toBe(4);
    expect(task({ steps_per_generation: 3 }).plan.stepsPerGeneration).toBe(3);
    expect(() => task({ generation_batch_size: 10 })).toThrow('generation_batch_size 10 is not a multiple of per_device_train_batch_size 4');
    expect(() => parseGrpoConfig({ generation_batch_size: 16, steps_per_generation: 2 })).toThrow('generation_batch_size: set beside steps_per_generation; give one of the two');
  });

  it('shuffle_dataset false takes the prompts in the file order; by default each epoch has its own seeded order', async () => {
    const firstRollout = async (over: Record<string, unknown>) => {
      const seen: string[] = [];
      const recorder: NamedRewardFunction = { name: 'hitsTarget', fn: ({ prompts }) => (seen.push(...prompts.map(String)), prompts.map(() => 0)) };
      const task = new GrpoTask(onlineContext(tinyPolicy(), executor, { rewardFunctions: [recorder] }), parseGrpoConfig({ reward_funcs: ['./r.ts#hitsTarget'], num_generations: 4, ...over }));
      await task.data.batch(0, 0);
      return [...new Set(seen)];
    };
    // 4 completions per micro-batch × 2 micro-batches ÷ 4 generations: 2 prompts per rollout.
    expect(await firstRollout({ shuffle_dataset: false })).toEqual(['prompt 0', 'prompt 1']);
    expect(await firstRollout({})).not.toEqual(['prompt 0', 'prompt 1']);
  });

  it('log_completions appends each rollout to completions.jsonl (prompt, completion, rewards by function, advantage) and prints num_completions_to_print of it', async () => {
    const policy = tinyPolicy();
    const dir = tempDir();
    const config = parseGrpoConfig({ ...BASE, log_completions: true, num_completions_to_print: 2 });
    const task = new GrpoTask(onlineContext(policy, executor, { rewardFunctions: [hitsTarget, evenLength], outputDir: dir }), config);
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      const trainer = Trainer.create({ args: grpoArgs(dir), task, executor, checkpointer: task.data.checkpointer(policy.adapter.checkpointer()) });
      await trainer.train(task.data);
    } finally {
      spy.mockRestore();
    }
    const records = readFileSync(join(dir, COMPLETIONS_FILE), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    // 4 optimizer steps of 2 micro-batches × 4 completions: 4 rollouts of 8 (2 prompts each, 4 per epoch of 8 prompts).
    expect(records).toHaveLength(32);
    expect(records.map((r) => r.rollout)).toEqual([0, 1, 2, 3].flatMap((g) => Array(8).fill(g)));
    expect(records.every((r) => r.epoch === 0)).toBe(true);
    for (const r of records) {
      expect(Object.keys(r.rewards)).toEqual(['hitsTarget', 'evenLength']);
      expect(r.rewards.evenLength === null || r.rewards.evenLength === 1).toBe(true);
      expect(typeof r.completion).toBe('string');
      expect(Number.isFinite(r.advantage)).toBe(true);
    }
    // A group's advantages are its rewards centred (scale_rewards group divides by the deviation too).
    const group = records.slice(0, 4);
    expect(Math.abs(group.reduce((t, r) => t + r.advantage, 0))).toBeLessThan(1e-6);
    expect(group.every((r) => r.prompt === records[0].prompt)).toBe(true);
    const lines = printed.filter((l) => typeof l === 'string' && l.startsWith('[rollout '));
    expect(lines).toHaveLength(8);
    expect(lines[0]).toContain(`advantage ${+records[0].advantage.toFixed(4)}`);
  });

  it("rollout_quantization samples with the rounded base and weighs the loss by TRL's importance-sampling correction, logging its sampling/ metrics", async () => {
    const logs = await run({ ...BASE, rollout_quantization: 'int8' }, tempDir());
    expect(logs).toHaveLength(4);
    for (const l of logs) {
      expect(Number.isFinite(l.loss)).toBe(true);
      // int8 weights move the sampler's log-probs by little: ratios near 1, inside TRL's default [0, 3] so nothing is masked.
      expect(l['sampling/sampling_logp_difference/mean']).toBeGreaterThan(0);
      expect(l['sampling/sampling_logp_difference/mean']).toBeLessThan(0.1);
      expect(l['sampling/importance_sampling_ratio/min']).toBeGreaterThan(0.5);
      expect(l['sampling/importance_sampling_ratio/max']).toBeLessThan(2);
    }
    // A bound every ratio lies outside masks every completion: the correction reaches the loss, which is then 0.
    const masked = await run({ ...BASE, rollout_quantization: 'int8', vllm_importance_sampling_clip_max: 0.5 }, tempDir());
    expect(masked.map((l) => l.loss)).toEqual([0, 0, 0, 0]);
    expect(masked[0]['sampling/importance_sampling_ratio/max']).toBe(0);
    const uncorrected = await run({ ...BASE, rollout_quantization: 'int4', vllm_importance_sampling_correction: false }, tempDir());
    expect(uncorrected[0]['sampling/importance_sampling_ratio/mean']).toBeUndefined();
    expect(uncorrected.every((l) => Number.isFinite(l.loss))).toBe(true);
  });

  it('disable_dropout trains without dropout: the update scores the rollout as a model without any would', async () => {
    // An adapter that changes the model from the start, with heavy dropout on its input (or none).
    const policy = (dropout: number) => {
      const model = tinyModel();
      return { model, adapter: LORA_METHOD.apply(model, parseLoraConfig({ r: 4, lora_alpha: 8, lora_dropout: dropout, target_modules: 'all-linear', init_lora_weights: false }), { seed: 3 }) };
    };
    const first = async (dropout: number, config: Record<string, unknown>) => (await run({ ...BASE, ...config }, tempDir(), null, policy(dropout)))[0];
    const [none, disabled, active] = [await first(0, {}), await first(0.5, { disable_dropout: true }), await first(0.5, {})];
    // The same rollout (sampling never drops), then the same first update where dropout is off.
    expect(disabled.reward).toBe(none.reward);
    expect([disabled.loss, disabled.entropy]).toEqual([none.loss, none.entropy]);
    expect(active.entropy).not.toBe(none.entropy);
  });

  it('with rollout_quantization too, resuming mid-rollout gives the rewards, corrections and losses of the run that did not stop', async () => {
    const config = { ...BASE, num_iterations: 2, rollout_quantization: 'int8', vllm_importance_sampling_mode: 'token_truncate' };
    const dir = tempDir();
    const straight = await run(config, dir);
    const resumed = (await run(config, tempDir(), `${dir}/checkpoint-1`)).filter((l) => l.step > 1);
    expect(resumed.map((l) => l.step)).toEqual([2, 3, 4]);
    for (const [i, entry] of resumed.entries()) {
      const want = straight[i + 1];
      for (const key of ['loss', 'reward', 'entropy', 'sampling/importance_sampling_ratio/mean', 'sampling/sampling_logp_difference/max']) {
        expect(entry[key], `step ${entry.step} ${key}`).toBeCloseTo(want[key] as number, 6);
      }
    }
  });

  it('rollout_quantization needs frozen weights to round: full fine-tuning is refused by name', () => {
    const model = tinyModel();
    const ctx = { ...onlineContext({ model, adapter: tinyPolicy().adapter }, executor), reference: undefined };
    const withoutBase = () => new GrpoTask({ ...ctx, withMergedAdapter: undefined }, parseGrpoConfig({ reward_funcs: ['./r.ts#hitsTarget'], rollout_quantization: 'int8' }));
    expect(withoutBase).toThrow("rollout_quantization rounds the frozen f32 weights of a LoRA-family adapter's base; this model has none");
  });

  it('lists the sampler among the generators a checkpoint saves, and refuses beta > 0 without a reference', () => {
    const policy = tinyPolicy();
    const task = new GrpoTask(onlineContext(policy, executor), parseGrpoConfig({ reward_funcs: ['./r.ts#hitsTarget'] }));
    expect(task.rngs().has(ROLLOUT_SAMPLER)).toBe(true);
    expect(() => new GrpoTask(onlineContext(policy, executor, { reference: undefined }), parseGrpoConfig({ reward_funcs: ['./r.ts#f'], beta: 0.1 }))).toThrow(/beta > 0 needs a reference/);
  });
});

describe('grpo config', () => {
  it('takes TRL 1.9 names and defaults, and rejects unknown keys with a did-you-mean and options TuneKit lacks by name', () => {
    const c = parseGrpoConfig({ reward_funcs: ['./r.ts#f'] });
    expect([c.loss_type, c.beta, c.epsilon, c.epsilon_high, c.num_generations, c.scale_rewards, c.importance_sampling_level, c.top_k]).toEqual(['dapo', 0, 0.2, null, 8, 'group', 'token', 0]);
    expect(parseGrpoConfig({ scale_rewards: false }).scale_rewards).toBe('none');
    expect(() => parseGrpoConfig({ num_generation: 4 })).toThrow('grpo config: unknown option "num_generation" (did you mean "num_generations"?)');
    expect(() => parseGrpoConfig({ loss_type: 'cispo' })).toThrow('grpo config: loss_type: expected one of dapo|grpo|dr_grpo|bnpo, got "cispo"');
    expect(() => parseGrpoConfig({ use_adaptive_entropy: true })).toThrow("use_adaptive_entropy: expected false (TRL's default): TuneKit has no adaptive entropy control, got true");
    expect(parseGrpoConfig({ entropy_target: 0.2 }).entropy_coef).toBe(0);
    // A TRL config with its defaults spelt out parses; a setting TuneKit lacks is refused by name.
    const spelt = { shuffle_dataset: true, disable_dropout: true, log_completions: false, num_completions_to_print: null, generation_kwargs: null, remove_unused_columns: false, sync_ref_model: false, ref_model_mixup_alpha: 0.6, ref_model_sync_steps: 512, use_vllm: false };
    expect(parseGrpoConfig(spelt).shuffle_dataset).toBe(true);
    expect(parseRlooConfig(spelt).shuffle_dataset).toBe(true);
    expect([c.disable_dropout, parseGrpoConfig(spelt).disable_dropout]).toEqual([false, true]);
    expect(() => parseGrpoConfig({ disable_dropout: 'yes' })).toThrow(/disable_dropout: expected true or false/);
    expect([c.delta, c.use_bias_correction_kl, c.off_policy_mask_threshold, c.multi_objective_aggregation, c.min_p, c.entropy_coef, c.top_entropy_quantile]).toEqual([null, false, null, 'sum_then_normalize', null, 0, 1]);
    expect(() => parseGrpoConfig({ top_entropy_quantile: 0 })).toThrow('top_entropy_quantile: expected a number > 0 and <= 1, got 0');
    const set = parseGrpoConfig({ delta: 1.5, use_bias_correction_kl: true, off_policy_mask_threshold: 0.5, multi_objective_aggregation: 'normalize_then_sum', min_p: 0.1 });
    expect([set.delta, set.use_bias_correction_kl, set.off_policy_mask_threshold, set.multi_objective_aggregation, set.min_p]).toEqual([1.5, true, 0.5, 'normalize_then_sum', 0.1]);
    expect(() => parseGrpoConfig({ delta: 0 })).toThrow(/delta: expected a number > 0, got 0/);
    expect(() => parseGrpoConfig({ min_p: 2 })).toThrow('min_p: expected a number >= 0 and <= 1, got 2');
    expect(() => parseGrpoConfig({ multi_objective_aggregation: 'mean' })).toThrow('multi_objective_aggregation: expected one of sum_then_normalize|normalize_then_sum, got "mean"');
    expect(() => parseGrpoConfig({ reward_funcs: ['./a.ts#x'], reward_weights: [1, 2] })).toThrow('reward_weights: has 2 weights for 1 reward_funcs');
    // The sampler and TRL's correction for one that is not the policy, with TRL's defaults.
    expect([c.rollout_quantization, c.vllm_importance_sampling_correction, c.vllm_importance_sampling_mode, c.vllm_importance_sampling_clip_max, c.vllm_importance_sampling_clip_min]).toEqual([null, true, 'sequence_mask', 3, null]);
    expect(() => parseGrpoConfig({ rollout_quantization: 'fp8' })).toThrow('rollout_quantization: expected one of int8|int4, got "fp8"');
    expect(() => parseGrpoConfig({ vllm_importance_sampling_mode: 'sequence' })).toThrow('vllm_importance_sampling_mode: expected one of token_truncate|token_mask|sequence_truncate|sequence_mask, got "sequence"');
  });
});
