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

/** One draw from softmax(logits) by inverting the cumulative sum (removed tokens are -Infinity). */
export function sampleSoftmax(logits: Float32Array, rng: Rng): number {
  const max = logits[argmax(logits)];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  const target = rng.uniform() * total;
  let acc = 0;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] === -Infinity) continue;
    acc += Math.exp(logits[i] - max);
    if (acc > target) return i;
    last = i;
  }
  // Rounding can leave the sum a hair below `target`: the draw belongs to the last live token.
  return last;
}

export function tokenChooser(config: GenerationConfig): TokenChooser {
  return config.doSample ? sampleSoftmax : argmax;
}
