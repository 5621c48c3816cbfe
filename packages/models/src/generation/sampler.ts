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

/** Running sums of exp(logit - max) over the row being drawn from (grown to the largest vocabulary seen). */
let cumulative = new Float64Array(0);

/**
 * One draw from softmax(logits) by inverting the cumulative sum (removed tokens are -Infinity):
 * the first live token whose running sum exceeds u · total. The running sums are kept from the
 * pass that computes the total, so each token costs one exp and the draw is a binary search over
 * them, not a second pass of exps (at a 49k vocabulary and 8 rows that pass was a tenth of a
 * decode step). A removed token adds exactly 0, so the sums are those a pass over the live tokens
 * alone adds up, and the token drawn is the same.
 */
export function sampleSoftmax(logits: Float32Array, rng: Rng): number {
  const n = logits.length;
  if (cumulative.length < n) cumulative = new Float64Array(n);
  const max = logits[argmax(logits)];
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += Math.exp(logits[i] - max);
  const target = rng.uniform() * total;
  if (!(cumulative[n - 1] > target)) {
    // Rounding can leave the sum a hair below `target`: the draw belongs to the last live token.
    let last = n - 1;
    while (last > 0 && logits[last] === -Infinity) last--;
    return logits[last] === -Infinity ? 0 : last;
  }
  // The first sum above `target` grew at that token, so its weight is positive: a live token.
  let [lo, hi] = [0, n - 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One draw from probabilities (a row the decode program already put through softmax): the first
 * token whose running sum exceeds u · total, summed in f64 over the row as given, so the draw is
 * the one `sampleSoftmax` makes from the same distribution up to the rounding of f32 exps. The
 * total is summed, not taken as 1, so the rounding of the program's softmax biases no token.
 */
export function sampleProbabilities(probs: Float32Array, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i];
  const target = rng.uniform() * total;
  let sum = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] > 0)) continue;
    sum += probs[i];
    if (sum > target) return i;
    last = i;
  }
  // Rounding left the running sum a hair below `target`: the draw belongs to the last live token.
  return last;
}

export function tokenChooser(config: GenerationConfig): TokenChooser {
  return config.doSample ? sampleSoftmax : argmax;
}
