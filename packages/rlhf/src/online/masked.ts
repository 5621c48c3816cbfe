import { Tensor } from '@tunekit/core';

/** Σ(x·mask) / max(Σmask, 1) over every element: a token-weighted mean that a fully masked batch cannot turn into 0/0. */
export function maskedMean(x: Tensor, mask: Tensor): Tensor {
  return x.mul(mask).sum().div(mask.sum().maximum(1));
}

/** Σ(x·mask) / max(Σmask, 1) over the last axis: one mean per sequence, [B, T] → [B]. */
export function maskedRowMean(x: Tensor, mask: Tensor): Tensor {
  return x.mul(mask).sum(-1).div(mask.sum(-1).maximum(1));
}

/** min(max(x, lo), hi), torch.clamp. */
export function clamp(x: Tensor, lo: number | Tensor, hi: number | Tensor): Tensor {
  return x.maximum(lo).minimum(hi);
}

/**
 * The per-token KL estimators of http://joschu.net/blog/kl-approx.html, of the policy from the
 * reference, on sampled tokens: k1 = log π − log π_ref (unbiased, may be negative), k3 =
 * exp(r) − r − 1 with r = log π_ref − log π (unbiased and ≥ 0; TRL's GRPO term).
 */
export const KL_ESTIMATORS = {
  k1: (logps: Tensor, refLogps: Tensor): Tensor => logps.sub(refLogps),
  k3: (logps: Tensor, refLogps: Tensor): Tensor => {
    const r = refLogps.sub(logps);
    return r.exp().sub(r).sub(1);
  },
} as const;

export type KlEstimator = keyof typeof KL_ESTIMATORS;
