import { HostTensor, Tensor } from '@tunekit/core';
import { maskedMean } from './masked.js';

/** TRL's `vllm_importance_sampling_mode`s: a ratio per token or per sequence, clipped or masked outside its bounds. */
export const SAMPLING_CORRECTION_MODES = ['token_truncate', 'token_mask', 'sequence_truncate', 'sequence_mask'] as const;
export type SamplingCorrectionMode = (typeof SAMPLING_CORRECTION_MODES)[number];

export interface SamplingCorrectionOptions {
  readonly mode: SamplingCorrectionMode;
  /** C_min and C_max; null leaves that side open. */
  readonly clipMin: number | null;
  readonly clipMax: number | null;
}

export interface SamplingCorrection {
  /** [N, T] per-token weights of the loss (a sequence's ratio on each of its tokens in the sequence modes). */
  readonly ratio: HostTensor<'f32'>;
  /** TRL's `sampling/…` metrics of the rollout. */
  readonly metrics: Record<string, number>;
}

/** What each side of the mode does with a ratio outside [C_min, C_max]: clip it to the bound, or drop it (0). */
const BOUND: Readonly<Record<'truncate' | 'mask', (r: number, min: number, max: number) => number>> = {
  truncate: (r, min, max) => Math.min(Math.max(r, min), max),
  mask: (r, min, max) => (r < min || r > max ? 0 : r),
};

/**
 * Importance weights for completions a different sampler drew (TRL's vLLM importance-sampling
 * correction; here a quantized copy of the policy): the ratio π_old / π_sampler of the policy's
 * log-probs `old` (before the update) to the sampler's own `sampling`, both [N, T] as the log-prob
 * passes lay them out, over the tokens `mask` counts: exp(Δ) per token, or exp(ΣΔ) per sequence,
 * then clipped (`*_truncate`) or zeroed (`*_mask`) outside [C_min, C_max].
 */
export function samplingCorrection(old: HostTensor<'f32'>, sampling: HostTensor<'f32'>, mask: HostTensor<'f32'>, opts: SamplingCorrectionOptions): SamplingCorrection {
  const [n, width] = old.shape;
  const [kind, how] = opts.mode.split('_') as ['token' | 'sequence', 'truncate' | 'mask'];
  const [min, max] = [opts.clipMin ?? -Infinity, opts.clipMax ?? Infinity];
  const bound = (r: number) => BOUND[how](r, min, max);
  const ratio = HostTensor.zeros('f32', [n, width]);
  const differences: number[] = [];
  const ratios: number[] = [];
  for (let row = 0; row < n; row++) {
    let sum = 0;
    for (let t = 0; t < width; t++) {
      const at = row * width + t;
      const diff = (old.data[at] - sampling.data[at]) * mask.data[at];
      sum += diff;
      if (mask.data[at] > 0) differences.push(Math.abs(old.data[at] - sampling.data[at]));
      if (kind === 'token') {
        ratio.data[at] = bound(Math.exp(diff));
        if (mask.data[at] > 0) ratios.push(ratio.data[at]);
      }
    }
    if (kind === 'sequence') {
      const r = bound(Math.exp(sum));
      ratio.data.fill(r, row * width, (row + 1) * width);
      ratios.push(Math.fround(r));
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const extreme = (xs: number[], pick: (a: number, b: number) => number) => (xs.length ? xs.reduce((a, b) => pick(a, b)) : 0);
  return {
    ratio,
    metrics: {
      'sampling/sampling_logp_difference/mean': mean(differences),
      'sampling/sampling_logp_difference/max': extreme(differences, Math.max),
      'sampling/importance_sampling_ratio/min': extreme(ratios, Math.min),
      'sampling/importance_sampling_ratio/mean': mean(ratios),
      'sampling/importance_sampling_ratio/max': extreme(ratios, Math.max),
    },
  };
}

/**
 * `samplingCorrection` traced, for a micro-batch whose policy has not moved since the rollout was
 * sampled: `old` is then the update's own log-probs, detached, and no separate pass computes them.
 * Rows are whole in a micro-batch, so sequence ratios are the host form's. The metrics are the
 * micro-batch's (the trainer averages them over a logging step; with one micro-batch per rollout
 * they are the rollout's).
 */
export function samplingCorrectionTraced(old: Tensor, sampling: Tensor, mask: Tensor, opts: SamplingCorrectionOptions): { ratio: Tensor; metrics: Record<string, Tensor> } {
  const [kind, how] = opts.mode.split('_') as ['token' | 'sequence', 'truncate' | 'mask'];
  const [min, max] = [opts.clipMin ?? -Infinity, opts.clipMax ?? Infinity];
  const diff = old.sub(sampling).mul(mask);
  const raw = kind === 'token' ? diff.exp() : diff.sum(-1, true).exp();
  const ratio = how === 'truncate' ? raw.maximum(min).minimum(max) : Tensor.where(raw.lt(min).or(raw.gt(max)), 0, raw);
  // What the metrics range over: counted tokens, or every row.
  const over = kind === 'token' ? mask : Tensor.where(mask.sum(-1, true).ge(0), 1, 0);
  const counted = over.gt(0);
  const some = over.sum().gt(0);
  const extreme = (x: Tensor, pick: 'min' | 'max') => {
    const hidden = pick === 'min' ? Infinity : -Infinity;
    const reduced = pick === 'min' ? Tensor.where(counted, x, hidden).neg().max().neg() : Tensor.where(counted, x, hidden).max();
    return Tensor.where(some, reduced, 0);
  };
  const gap = old.sub(sampling).abs();
  const tokens = mask.gt(0);
  const anyToken = mask.sum().gt(0);
  return {
    ratio,
    metrics: {
      'sampling/sampling_logp_difference/mean': maskedMean(gap, mask).detach(),
      'sampling/sampling_logp_difference/max': Tensor.where(anyToken, Tensor.where(tokens, gap, -Infinity).max(), 0).detach(),
      'sampling/importance_sampling_ratio/min': extreme(ratio, 'min').detach(),
      'sampling/importance_sampling_ratio/mean': maskedMean(ratio, over).detach(),
      'sampling/importance_sampling_ratio/max': extreme(ratio, 'max').detach(),
    },
  };
}
