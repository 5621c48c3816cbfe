import type { Tensor } from '@tunekit/core';
import type { SequenceLogps } from '../../common/sequence-logps.js';

/**
 * WPO's sequence weights (`use_weighting`, eq. 2 of the paper as TRL computes it): exp of the
 * per-token mean of log p − log Σ_v p_v², i.e. each token's probability relative to the policy's
 * own sampling, without gradient. [N] from logits [N, T, V].
 */
export function wpoWeights(logits: Tensor, s: SequenceLogps): Tensor {
  const logDenom = logits.mul(2).logsumexp(-1).sub(logits.logsumexp(-1).mul(2));
  const aligned = s.perToken.sub(logDenom).mul(s.mask);
  return aligned.sum(1).div(s.tokens.maximum(1)).exp().detach();
}
