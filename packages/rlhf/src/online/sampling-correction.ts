import { HostTensor } from '@tunekit/core';

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
