import type { Tensor } from '@tunekit/core';
import { smoothedSigmoid } from './dpo.losses.js';

/** A batch of pairs without a reference: the policy's summed log-probs and completion lengths, each [B]. */
export interface PolicyPairLogps {
  readonly chosen: Tensor;
  readonly rejected: Tensor;
  readonly chosenTokens: Tensor;
  readonly rejectedTokens: Tensor;
  /** Scalar: mean cross-entropy over the chosen completion tokens. */
  readonly chosenNll: Tensor;
}

export interface CpoObjective {
  readonly lossType: CpoLossType;
  readonly beta: number;
  readonly labelSmoothing: number;
  /** Weight of the chosen NLL (the behaviour-cloning term); 0 for SimPO. */
  readonly cpoAlpha: number;
  /** SimPO's target margin γ. */
  readonly simpoGamma: number;
  /** AlphaPO's reward shape: r = (1 − p^−α)/α; 0 is log p. */
  readonly alpha: number;
}

/** Per-pair CPO losses of the reward difference `x` (TRL's `logits`). */
const CPO_LOSSES = {
  sigmoid: (x: Tensor, o: CpoObjective) => smoothedSigmoid(x, o.beta, o.labelSmoothing),
  hinge: (x: Tensor, o: CpoObjective) => x.mul(-o.beta).add(1).relu(),
  ipo: (x: Tensor, o: CpoObjective) => x.sub(1 / (2 * o.beta)).square(),
  // SimPO: the sigmoid loss with a target margin γ/β between length-normalised log-probs.
  simpo: (x: Tensor, o: CpoObjective) => smoothedSigmoid(x.sub(o.simpoGamma / o.beta), o.beta, o.labelSmoothing),
} as const;

export type CpoLossType = keyof typeof CPO_LOSSES;
export const CPO_LOSS_TYPES = Object.keys(CPO_LOSSES) as CpoLossType[];

/** IPO and SimPO compare per-token means of the completion's log-probs (TRL's `average_log_prob`). */
const AVERAGED: readonly CpoLossType[] = ['ipo', 'simpo'];

export interface CpoOutput {
  readonly loss: Tensor;
  /** The log-probs the loss compared (per-token means for ipo and simpo), [B] each. */
  readonly chosenLogps: Tensor;
  readonly rejectedLogps: Tensor;
  /** β·reward, no gradient, [B] each. */
  readonly chosenRewards: Tensor;
  readonly rejectedRewards: Tensor;
}

/** CPO (and SimPO, AlphaPO): mean of the pair losses plus cpo_alpha times the chosen NLL. */
export function cpoLoss(l: PolicyPairLogps, o: CpoObjective): CpoOutput {
  const averaged = AVERAGED.includes(o.lossType);
  const chosenLogps = averaged ? l.chosen.div(l.chosenTokens.maximum(1)) : l.chosen;
  const rejectedLogps = averaged ? l.rejected.div(l.rejectedTokens.maximum(1)) : l.rejected;
  const reward = (logp: Tensor) => (o.alpha === 0 ? logp : logp.mul(-o.alpha).exp().neg().add(1).div(o.alpha));
  const [chosenReward, rejectedReward] = [reward(chosenLogps), reward(rejectedLogps)];
  const pairLoss = CPO_LOSSES[o.lossType](chosenReward.sub(rejectedReward), o).mean();
  return {
    loss: o.cpoAlpha === 0 ? pairLoss : pairLoss.add(l.chosenNll.mul(o.cpoAlpha)),
    chosenLogps,
    rejectedLogps,
    chosenRewards: chosenReward.mul(o.beta).detach(),
    rejectedRewards: rejectedReward.mul(o.beta).detach(),
  };
}
