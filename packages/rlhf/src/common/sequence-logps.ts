import { F, Tensor } from '@tunekit/core';

/** Per-token and per-sequence log-probabilities of a batch's completions under one forward. */
export interface SequenceLogps {
  /** [N] Σ over completion tokens of log p(token | prefix). */
  readonly logps: Tensor;
  /** [N, T] log p of the token at t + 1 from the logits at t, 0 where it is no completion token (and at t = T − 1). */
  readonly perToken: Tensor;
  /** [N, T] f32: 1 where `perToken` counts (the completion mask shifted left by one). */
  readonly mask: Tensor;
  /** [N] completion tokens per row, f32. */
  readonly tokens: Tensor;
}

/**
 * log π(completion | prompt) from next-token `logits` [N, T, V], `inputIds` [N, T] and
 * `completionMask` [N, T] (1 on completion tokens): the token at t + 1 is scored by the logits at
 * t, as TRL's `selective_log_softmax` over shifted logits. The labels are shifted, not the logits,
 * so the large [N, T, V] tensor is never sliced and copied, and the fused cross-entropy serves.
 */
export function sequenceLogps(logits: Tensor, inputIds: Tensor, completionMask: Tensor): SequenceLogps {
  const mask = completionMask.float().slice(1, 1).pad([[0, 0], [0, 1]], 0);
  const next = inputIds.slice(1, 1).pad([[0, 0], [0, 1]], 0);
  const labels = Tensor.where(mask.gt(0), next, -100);
  const ce = F.crossEntropy(logits, labels, { ignoreIndex: -100, reduction: 'none' });
  const perToken = ce.neg();
  const tokens = mask.sum(1);
  return { logps: perToken.sum(1), perToken, mask, tokens };
}

/** Rows `from`..`from + n` of [N, ...] tensors (chosen are the first half of a paired batch, rejected the second). */
export const rowsOf = (x: Tensor, from: number, n: number): Tensor => x.slice(0, from, from + n);

/** Mean cross-entropy over the completion tokens of rows `from`..`from + n` (TRL's `nll_loss` of the chosen rows). */
export function meanNll(s: SequenceLogps, from: number, n: number): Tensor {
  return rowsOf(s.perToken, from, n).sum().neg().div(rowsOf(s.tokens, from, n).sum().maximum(1));
}
