import { Tensor } from '@tunekit/core';

/**
 * TRL's `get_high_entropy_mask` for one micro-batch: 1 on a counted token whose entropy is at
 * least the `quantile`-quantile of the counted tokens' entropies (linear interpolation between
 * ranks, as torch.quantile), else 0; all 0 when nothing counts. No gradient flows through it.
 * Traced with static shapes: the counted entropies are sorted first (the others, at −1, after
 * them, since an entropy is ≥ 0), and the two ranks around the quantile are read by position.
 */
export function highEntropyMask(entropy: Tensor, mask: Tensor, quantile: number): Tensor {
  const size = entropy.shape.reduce((a, b) => a * b, 1);
  const counted = mask.gt(0);
  const e = entropy.detach();
  const [descending] = Tensor.where(counted, e, -1).reshape(size).topk(size);
  const n = mask.sum();
  const last = n.sub(1).maximum(0);
  // Ascending rank r of the counted entropies sits at descending position n − 1 − r.
  const rank = last.mul(quantile);
  const below = rank.cast('i64').float();
  const above = below.add(1).minimum(last);
  const at = (r: Tensor) => descending.gather(0, last.sub(r).maximum(0).cast('i64').reshape(1)).reshape([]);
  const threshold = at(below).add(at(above).sub(at(below)).mul(rank.sub(below)));
  return e.mul(mask).ge(threshold).and(counted).float();
}
