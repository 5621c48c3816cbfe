import type { Tensor } from '@tunekit/core';

/**
 * The entropy (nats) of the next-token distribution at each position of `logits` [..., V]:
 * H = logsumexp(z) − Σ softmax(z)·z, the value of TRL's `entropy_from_logits`.
 */
export const tokenEntropy = (logits: Tensor): Tensor => logits.logsumexp(-1).sub(logits.softmax(-1).mul(logits).sum(-1));
