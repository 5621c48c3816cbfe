import { Rng } from '@tunekit/core';

export interface BatchPlanOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  /** Put items of similar length together so batches carry little padding. */
  readonly groupByLength: boolean;
  /** Items sorted together when grouping by length, in batches (transformers' LengthGroupedSampler uses 50). */
  readonly megabatchFactor: number;
  readonly dropLast: boolean;
}

/**
 * The item indices of every batch of `epoch`: a pure function of (seed, epoch), so a run resumed
 * from a checkpoint's cursor gets exactly the batch it would have got. `lengths[i]` is item i's length.
 */
export function planEpoch(lengths: readonly number[], options: BatchPlanOptions, epoch: number): number[][] {
  const { batchSize, shuffle, groupByLength, megabatchFactor, dropLast, seed } = options;
  // A fresh generator per epoch: no state carried between epochs means nothing to save but the cursor.
  const rng = new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  const order = lengths.map((_, i) => i);
  if (shuffle) rng.shuffle(order);
  if (groupByLength) {
    const span = batchSize * megabatchFactor;
    for (let at = 0; at < order.length; at += span) {
      const sorted = order.slice(at, at + span).sort((a, b) => lengths[b] - lengths[a] || a - b);
      order.splice(at, sorted.length, ...sorted);
    }
  }
  const batches: number[][] = [];
  for (let at = 0; at < order.length; at += batchSize) batches.push(order.slice(at, at + batchSize));
  if (dropLast && batches.length > 0 && batches[batches.length - 1].length < batchSize) batches.pop();
  // Grouped batches come out longest first; shuffling them keeps that out of the loss curve.
  if (groupByLength && shuffle) rng.shuffle(batches);
  return batches;
}

/** How many batches an epoch of `items` has. */
export function batchesPerEpoch(items: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(items / batchSize) : Math.ceil(items / batchSize);
}
