import { type Batch, HostTensor, type Task, type Tensor } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import { groupAdvantages, leaveOneOutAdvantages } from './advantages.js';
import { splitRollout } from './online-batches.js';
import { OnlineTask, inputOf } from './online-task.base.js';
import type { PolicyForward } from './policy-logps.js';
import type { RlooConfig } from './rloo.config.js';
import { rlooLoss } from './rloo.loss.js';
import { rolloutMetrics } from './rollout-metrics.js';

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

  protected async produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]> {
    const { config, ctx } = this;
    const G = config.num_generations;
    const sampled = await this.scoredRollout(prompts, seed);
    const { rollout, perFunction, rewards: scored, rows, laidOut, names } = sampled;
    const clip = config.reward_clip_range;
    let rewards = clip ? scored.map((r) => Math.min(clip[1], Math.max(clip[0], r))) : scored;
    // RLOO always scores the completions under the sampling policy: the ratio is per sequence.
    const old = await this.logpsOf(laidOut);
    const oldSums = rowSums(old);
    const metrics: Record<string, number> = {};
    if (config.beta > 0) {
      const ref = rowSums(await this.logpsOf(laidOut, ctx.reference));
      // k1 per token, summed over the completion: Σ log π_old − Σ log π_ref.
      const kl = oldSums.map((s, i) => s - ref[i]);
      rewards = rewards.map((r, i) => r - config.beta * kl[i]);
      metrics.kl = kl.reduce((s, x) => s + x, 0) / Math.max(1, rows.lossTokens);
    }
    const advantages = leaveOneOutAdvantages(rewards, G, config.normalize_advantages);
    await this.logCompletions(prompts, sampled, advantages);
    Object.assign(metrics, rolloutMetrics(rollout, perFunction, names, scored, groupAdvantages(rewards, G, 'group').fracZeroStd), this.timings(sampled));
    const perRow = { advantages: HostTensor.f32([advantages.length], advantages), old_sequence_logps: HostTensor.f32([oldSums.length], oldSums) };
    return splitRollout({ rows: laidOut, perRow, scalars: {}, metrics }, this.plan.stepsPerGeneration, seed);
  }

  protected loss(batch: Batch, policy: PolicyForward): { loss: Tensor; metrics: Record<string, Tensor> } {
    const t = batch.tensors;
    return rlooLoss(
      { logps: policy.perToken, mask: policy.mask, advantages: inputOf('advantages', t.advantages), oldSequenceLogps: inputOf('old_sequence_logps', t.old_sequence_logps) },
      { epsilon: this.config.epsilon, epsilonHigh: this.config.epsilon_high ?? this.config.epsilon },
    );
  }
}

