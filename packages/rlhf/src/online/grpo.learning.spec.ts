import { OrtExecutor, type Parameter, Tensor, Trainer, grad, parseTrainingArguments, takeTracedFeeds } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGrpoConfig } from './grpo.config.js';
import { GrpoTask } from './grpo.task.js';
import { onlineContext, tempDir, tinyPolicy, tinyPrompts } from './online.test-support.js';
import { SHARED_PROMPT_LAYOUT } from './shared-prompt.layout.js';
import type { NamedRewardFunction } from './reward-functions.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

/** The share of a completion's ids that are even: learnable by any policy, and about ½ for a random one. */
const evenIds: NamedRewardFunction = {
  name: 'evenIds',
  fn: ({ completionIds }) => completionIds.map((ids) => (ids.length ? ids.filter((id) => id % 2 === 0).length / ids.length : 0)),
};

const config = parseGrpoConfig({ num_generations: 8, max_completion_length: 4, reward_funcs: ['./r.ts#evenIds'] });

function grpoTask(batch: number, prompts: number) {
  const policy = tinyPolicy();
  const ctx = onlineContext(policy, executor, { prompts: tinyPrompts(prompts), rewardFunctions: [evenIds], training: { per_device_train_batch_size: batch, gradient_accumulation_steps: 1, seed: 7 } });
  return { policy, task: new GrpoTask(ctx, config) };
}

describe('GRPO learns', () => {
  it('with one update per rollout, the gradient on the adapter is REINFORCE with group advantages: −Σ A·∇log π over the loss tokens', async () => {
    const { policy, task } = grpoTask(16, 8);
    const batch = await task.data.batch(0, 0);
    const t = batch.tensors;
    const advantages = t.advantages.toFloat32();
    expect(advantages.some((a) => Math.abs(a) > 0.1), 'some completions are better than their group').toBe(true);
    const params: Parameter[] = [...policy.model.namedParameters()].filter(([name]) => name.includes('lora_')).map(([, p]) => p);
    const gradients = async (loss: Tensor) => (await executor.compile(grad(loss, params)).run({ ...t, ...takeTracedFeeds() })).map((g) => g.toFloat32());

    const ours = await gradients(task.trace(batch).loss);
    const input = (name: string) => Tensor.input(name, t[name].shape, t[name].dtype);
    // The policy forward of the task's layout (shared-prompt.layout.spec checks it against whole rows).
    const fwd = SHARED_PROMPT_LAYOUT.trace(policy.model, t, config.temperature).policy;
    const surrogate = fwd.perToken.mul(input('advantages').unsqueeze(-1)).mul(fwd.mask).sum().neg().div(input('token_normalizer'));
    const reinforce = await gradients(surrogate);

    let norm = 0;
    ours.forEach((g, k) =>
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(reinforce[k][i], 6);
        norm += v * v;
      }),
    );
    // Every lora_B starts at zero: a step moves the adapter only if its gradient reaches it.
    const lora = [...policy.model.namedParameters()].filter(([name]) => name.includes('lora_')).map(([name]) => name);
    const bNorms = ours.map((g, k) => [lora[k], Math.hypot(...g)] as const).filter(([name]) => name.includes('lora_B'));
    expect(bNorms.every(([, n]) => n > 1e-6), JSON.stringify(bNorms)).toBe(true);
    expect(Math.sqrt(norm)).toBeGreaterThan(1e-4);
  });

  it('raises the mean reward of a task a policy can learn (even token ids) within 30 steps', async () => {
    const { policy, task } = grpoTask(32, 64);
    const args = parseTrainingArguments({ output_dir: tempDir(), per_device_train_batch_size: 32, learning_rate: 5e-2, logging_steps: 1, max_steps: 30, save_strategy: 'no', seed: 7 });
    const trainer = Trainer.create({ args, task, executor, checkpointer: task.data.checkpointer(policy.adapter.checkpointer()) });
    await trainer.train(task.data);
    const rewards = trainer.trainerState.log_history.filter((e) => e.reward !== undefined).map((e) => e.reward as number);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const [first, last] = [mean(rewards.slice(0, 5)), mean(rewards.slice(-5))];
    expect(rewards).toHaveLength(30);
    expect(last - first, `reward ${first.toFixed(3)} -> ${last.toFixed(3)}: ${rewards.map((r) => r.toFixed(2)).join(' ')}`).toBeGreaterThan(0.1);
  }, 120_000);
});
