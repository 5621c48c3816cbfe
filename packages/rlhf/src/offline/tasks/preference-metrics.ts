import type { Tensor } from '@tunekit/core';
import { rowsOf } from '../../common/sequence-logps.js';

/** What TRL logs for a batch of pairs, each [B] (rewards β-scaled, no gradient). */
export interface PairStatistics {
  readonly chosenRewards: Tensor;
  readonly rejectedRewards: Tensor;
  readonly chosenLogps: Tensor;
  readonly rejectedLogps: Tensor;
}

/** Mean over the scored positions of rows `from`..`from + n` of each position's mean logit (TRL's `logits/*`). */
export function meanLogit(logits: Tensor, mask: Tensor, from: number, n: number): Tensor {
  const m = rowsOf(mask, from, n);
  return rowsOf(logits, from, n).mean(-1).mul(m).sum().div(m.sum().maximum(1)).detach();
}

/**
 * TRL's metric names: `rewards/chosen|rejected|accuracies|margins`, `logps/chosen|rejected`,
 * `logits/chosen|rejected` (chosen rows first in `logits` [2B, T, V], `mask` the scored positions).
 */
export function preferenceMetrics(s: PairStatistics, logits: Tensor, mask: Tensor): Record<string, Tensor> {
  const b = s.chosenRewards.dim(0);
  return {
    'rewards/chosen': s.chosenRewards.mean(),
    'rewards/rejected': s.rejectedRewards.mean(),
    'rewards/accuracies': s.chosenRewards.gt(s.rejectedRewards).float().mean(),
    'rewards/margins': s.chosenRewards.sub(s.rejectedRewards).mean(),
    'logps/chosen': s.chosenLogps.detach().mean(),
    'logps/rejected': s.rejectedLogps.detach().mean(),
    'logits/chosen': meanLogit(logits, mask, 0, b),
    'logits/rejected': meanLogit(logits, mask, b, b),
  };
}
