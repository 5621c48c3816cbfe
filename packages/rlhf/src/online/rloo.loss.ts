import type { Tensor } from '@tunekit/core';
import { clamp } from './masked.js';

export interface RlooLossInputs {
  /** Per-token log-probs of the sampled completions under the policy being trained, [B, T]. */
  readonly logps: Tensor;
  /** Each completion's summed log-prob under the policy that sampled it, [B]. */
  readonly oldSequenceLogps: Tensor;
  /** Leave-one-out advantages, one per completion, [B]. */
  readonly advantages: Tensor;
  /** Completion tokens that count, [B, T] f32. */
  readonly mask: Tensor;
}

/**
 * RLOO's surrogate as TRL 1.9's RLOOTrainer computes it: one importance ratio per completion,
 * exp(Σ log π − Σ log π_old), clipped to [1 − ε, 1 + ε_high], loss −min(ρ·A, clip(ρ)·A) averaged
 * over completions. (Its KL penalty is folded into the rewards before the advantages.)
 */
export function rlooLoss(inputs: RlooLossInputs, options: { epsilon: number; epsilonHigh: number }): { loss: Tensor; metrics: Record<string, Tensor> } {
  const { advantages } = inputs;
  const sequenceLogps = inputs.logps.mul(inputs.mask).sum(-1);
  const ratio = sequenceLogps.sub(inputs.oldSequenceLogps).exp();
  const clipped = clamp(ratio, 1 - options.epsilon, 1 + options.epsilonHigh);
  const loss = ratio.mul(advantages).minimum(clipped.mul(advantages)).neg().mean();
  const low = ratio.lt(1 - options.epsilon).and(advantages.lt(0)).float();
  const high = ratio.gt(1 + options.epsilonHigh).and(advantages.gt(0)).float();
  return {
    loss,
    metrics: {
      'clip_ratio/low_mean': low.mean().detach(),
      'clip_ratio/high_mean': high.mean().detach(),
      'clip_ratio/region_mean': low.add(high).mean().detach(),
    },
  };
}
