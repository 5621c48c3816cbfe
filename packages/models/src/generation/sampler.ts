import type { Rng } from '@tunekit/core';
import type { GenerationConfig } from './generation-config.js';

/** Picks the next id from one row of (processed) logits. */
export type TokenChooser = (logits: Float32Array, rng: Rng) => number;

/** The first index of the largest logit, as torch.argmax. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** exp(logit - max) of the row being drawn from, kept for the cumulative pass (grown to the largest vocabulary seen). */
let weights = new Float64Array(0);

/**
 * One draw from softmax(logits) by inverting the cumulative sum (removed tokens are -Infinity).
 * Each weight is computed once and kept for the cumulative pass, so a row costs one exp per
 * token rather than up to two (at a 49k vocabulary and 8 rows, a tenth of a decode step); the
 * sums, and so the draws, are the same.
 */
export function sampleSoftmax(logits: Float32Array, rng: Rng): number {
  if (weights.length < logits.length) weights = new Float64Array(logits.length);
  const max = logits[argmax(logits)];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += weights[i] = Math.exp(logits[i] - max);
  const target = rng.uniform() * total;
  let acc = 0;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === -Infinity) continue;
    acc += weights[i];
    if (acc > target) return i;
    last = i;
  }
  // Rounding can leave the sum a hair below `target`: the draw belongs to the last live token.
  return last;
}

export function tokenChooser(config: GenerationConfig): TokenChooser {
  return config.doSample ? sampleSoftmax : argmax;
}
