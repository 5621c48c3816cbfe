import type { Tensor } from '@tunekit/core';
import type { PolicyPairLogps } from './cpo.losses.js';
import { log1mExp, logSigmoid } from './loss-math.js';

export interface OrpoOutput {
  readonly loss: Tensor;
  /** Per-token mean log-probs of the completions, [B] each. */
  readonly chosenLogps: Tensor;
  readonly rejectedLogps: Tensor;
  /** β·mean log-prob, no gradient. */
  readonly chosenRewards: Tensor;
  readonly rejectedRewards: Tensor;
  /** TRL's `log_odds_ratio` (mean log σ(log odds)) and `log_odds_chosen` (mean log odds). */
  readonly logOddsRatio: Tensor;
  readonly logOddsChosen: Tensor;
}

/**
 * ORPO: NLL of the chosen completion minus λ·log σ(log odds(chosen) − log odds(rejected)), the odds
 * of a completion being p/(1 − p) for its per-token mean probability p. TRL calls λ `beta`.
 */
export function orpoLoss(l: PolicyPairLogps, beta: number): OrpoOutput {
  const chosenLogps = l.chosen.div(l.chosenTokens.maximum(1));
  const rejectedLogps = l.rejected.div(l.rejectedTokens.maximum(1));
  const logOdds = chosenLogps.sub(rejectedLogps).sub(log1mExp(chosenLogps).sub(log1mExp(rejectedLogps)));
  const ratio = logSigmoid(logOdds);
  return {
    loss: l.chosenNll.sub(ratio.mean().mul(beta)),
    chosenLogps,
    rejectedLogps,
    chosenRewards: chosenLogps.mul(beta).detach(),
    rejectedRewards: rejectedLogps.mul(beta).detach(),
    logOddsRatio: ratio.mean().detach(),
    logOddsChosen: logOdds.mean().detach(),
  };
}
