import type { Tensor } from '@tunekit/core';
import { logSigmoid } from '../offline/losses/loss-math.js';

export interface RewardLossOutput {
  /** Scalar: mean over pairs of −log σ(r_c − r_r − margin), plus the centring term. */
  readonly loss: Tensor;
  /** Scalar metrics, each a mean over the batch's pairs. */
  readonly metrics: {
    /** Share of pairs whose chosen reward is above the rejected one. */
    readonly accuracy: Tensor;
    /** r_c − r_r. */
    readonly margin: Tensor;
    readonly 'rewards/chosen': Tensor;
    readonly 'rewards/rejected': Tensor;
  };
}

/**
 * The Bradley-Terry loss of a reward model, as TRL's RewardTrainer computes it, over rewards [B] of
 * the chosen and rejected answers: −log σ(r_c − r_r − m) with the optional per-pair margin m, plus
 * `centerCoefficient · mean((r_c + r_r)²)` when set (Eisenstein et al.'s reward centring).
 */
export function rewardLoss(chosen: Tensor, rejected: Tensor, opts: { margin?: Tensor; centerCoefficient?: number | null } = {}): RewardLossOutput {
  const diff = chosen.sub(rejected);
  let loss = logSigmoid(opts.margin ? diff.sub(opts.margin) : diff)
    .neg()
    .mean();
  if (opts.centerCoefficient) loss = loss.add(chosen.add(rejected).square().mean().mul(opts.centerCoefficient));
  return {
    loss,
    metrics: {
      accuracy: diff.gt(0).float().mean(),
      margin: diff.mean(),
      'rewards/chosen': chosen.mean(),
      'rewards/rejected': rejected.mean(),
    },
  };
}
