import { OrtExecutor, Trainer, parseTrainingArguments } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { hitsTarget, onlineContext, tempDir, tinyPolicy } from './online.test-support.js';
import { parseRlooConfig } from './rloo.config.js';
import { samplingSettings } from './online.config.js';
import { RlooTask } from './rloo.task.js';
import { expectTimings } from './rollout-metrics.test-support.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

describe('RLOO in the trainer', () => {
  it('folds the KL into the rewards, and the first update on a rollout clips nothing (old log-probs are the policy’s own)', async () => {
    const policy = tinyPolicy();
    const task = new RlooTask(onlineContext(policy, executor, { rewardFunctions: [hitsTarget] }), parseRlooConfig({ reward_funcs: ['./r.ts#hitsTarget'], num_generations: 4, max_completion_length: 5 }));
    const args = parseTrainingArguments({ output_dir: tempDir(), per_device_train_batch_size: 4, gradient_accumulation_steps: 2, learning_rate: 5e-2, logging_steps: 1, max_steps: 2, save_strategy: 'no', seed: 1 });
    const trainer = Trainer.create({ args, task, executor, checkpointer: task.wrapCheckpointer(policy.adapter.checkpointer()) });
    await trainer.train(task.data);
    const logs = trainer.trainerState.log_history.filter((e) => e.loss !== undefined && e.train_runtime === undefined);
    expect(logs).toHaveLength(2);
    // Step 1: the adapter starts as a no-op (LoRA B = 0), so the policy is the reference: KL 0.
    expect(logs[0].kl).toBeCloseTo(0, 6);
    // Step 2 samples from the updated policy, which has moved away from the reference.
    expect(Math.abs(logs[1].kl as number)).toBeGreaterThan(1e-6);
    expect(logs.every((l) => l['clip_ratio/region_mean'] === 0)).toBe(true);
    expect(logs[0]['rewards/hitsTarget/mean']).toBeTypeOf('number');
    expectTimings(logs);
  });

  it('takes RLOOConfig names and defaults', () => {
    const c = parseRlooConfig({});
    expect([c.num_generations, c.beta, c.normalize_advantages, c.reward_clip_range, c.min_p]).toEqual([2, 0.05, false, null, null]);
    // min_p reaches the sampler (checked on GRPO's rollouts, which share it).
    expect(samplingSettings(parseRlooConfig({ min_p: 0.05 })).minP).toBe(0.05);
    expect(samplingSettings(c).minP).toBe(0);
    expect(() => parseRlooConfig({ normalise_advantages: true })).toThrow('rloo config: unknown option "normalise_advantages" (did you mean "normalize_advantages"?)');
    expect(() => parseRlooConfig({ reward_clip_range: [1, 0] })).toThrow('reward_clip_range: expected a [min, max] pair of numbers');
    expect([c.chat_template_kwargs, parseRlooConfig({ chat_template_kwargs: { enable_thinking: false } }).chat_template_kwargs]).toEqual([{}, { enable_thinking: false }]);
    expect(() => parseRlooConfig({ chat_template_kwargs: ['enable_thinking'] })).toThrow('chat_template_kwargs: expected a mapping');
  });
});
