import { type Batch, HostTensor, type Task, type Tensor } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import { combineRewards, groupAdvantages, leaveOneOutAdvantages } from './advantages.js';
import { splitRollout } from './online-batches.js';
import type { OnlineContext } from './online-context.js';
import { OnlineTask, inputOf } from './online-task.base.js';
import { type PolicyForward, rowLogps } from './policy-logps.js';
import { callRewardFunctions } from './reward-functions.js';
import type { RlooConfig } from './rloo.config.js';
import { rlooLoss } from './rloo.loss.js';
import { rewardInputs } from './rollout-inputs.js';
import { rolloutMetrics } from './rollout-metrics.js';
import { rolloutRows } from './rollout-rows.js';

/** Σ over each row of a [N, L] tensor. */
function rowSums(t: HostTensor<'f32'>): number[] {
  const [n, l] = t.shape;
  return Array.from({ length: n }, (_, r) => t.data.subarray(r * l, (r + 1) * l).reduce((s, x) => s + x, 0));
}

/**
 * RLOO as TRL 1.9's RLOOTrainer runs it: the KL to the reference (k1, summed over the completion)
 * is subtracted from each reward, the advantage is the reward minus the mean of the prompt's other
 * completions, and the update minimises a sequence-level clipped surrogate.
 */
export class RlooTask extends OnlineTask<RlooConfig> implements Task {
  readonly name = 'rloo';

  constructor(ctx: OnlineContext, config: RlooConfig) {
    super(ctx, config);
    if (config.beta > 0 && !ctx.reference) throw new Error('rloo: beta > 0 needs a reference model (a LoRA-family adapter to disable, or a frozen copy of the base)');
  }

  protected async produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]> {
    const { config, ctx } = this;
    const G = config.num_generations;
    const rollout = await this.sample(prompts, seed);
    const perFunction = await callRewardFunctions(ctx.rewardFunctions, rewardInputs(prompts, rollout, G));
    const scored = combineRewards(perFunction, config.reward_weights ?? ctx.rewardFunctions.map(() => 1));
    const clip = config.reward_clip_range;
    let rewards = clip ? scored.map((r) => Math.min(clip[1], Math.max(clip[0], r))) : scored;
    const rows = rolloutRows(rollout, { maskTruncated: config.mask_truncated_completions, multiple: 16 });
    const logps = { temperature: config.temperature, chunk: this.plan.completionsPerBatch };
    // RLOO always scores the completions under the sampling policy: the ratio is per sequence.
    const old = await rowLogps(ctx.model, ctx.executor, rows, logps);
    const oldSums = rowSums(old);
    const metrics: Record<string, number> = {};
    if (config.beta > 0) {
      const ref = rowSums(await rowLogps(ctx.model, ctx.executor, rows, { ...logps, reference: ctx.reference }));
      // k1 per token, summed over the completion: Σ log π_old − Σ log π_ref.
      const kl = oldSums.map((s, i) => s - ref[i]);
      rewards = rewards.map((r, i) => r - config.beta * kl[i]);
      metrics.kl = kl.reduce((s, x) => s + x, 0) / Math.max(1, rows.lossTokens);
    }
    const advantages = leaveOneOutAdvantages(rewards, G, config.normalize_advantages);
    Object.assign(metrics, rolloutMetrics(rollout, perFunction, ctx.rewardFunctions.map((f) => f.name), scored, groupAdvantages(rewards, G, 'group').fracZeroStd));
    const perRow = { advantages: HostTensor.f32([advantages.length], advantages), old_sequence_logps: HostTensor.f32([oldSums.length], oldSums) };
    return splitRollout({ rows, perRow, scalars: {}, metrics }, this.plan.stepsPerGeneration, seed);
  }

  protected loss(batch: Batch, policy: PolicyForward): { loss: Tensor; metrics: Record<string, Tensor> } {
    const t = batch.tensors;
    return rlooLoss(
      { logps: policy.perToken, mask: policy.mask, advantages: inputOf('advantages', t.advantages), oldSequenceLogps: inputOf('old_sequence_logps', t.old_sequence_logps) },
      { epsilon: this.config.epsilon, epsilonHigh: this.config.epsilon_high ?? this.config.epsilon },
    );
  }
}

