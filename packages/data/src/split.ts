import { Rng } from '@tunekit/core';

export interface Split<T> {
  readonly train: T[];
  readonly validation: T[];
}

/**
 * Holds out `round(n * ratio)` items (at least one, and never all) chosen by a seeded shuffle; both
 * parts keep the original order. The same items, ratio and seed always give the same split.
 */
export function splitByRatio<T>(items: readonly T[], ratio: number, seed: number): Split<T> {
  if (!(ratio > 0 && ratio < 1)) throw new Error(`validation_split must be between 0 and 1 (exclusive), got ${ratio}`);
  if (items.length < 2) throw new Error(`validation_split needs at least 2 rows to split, got ${items.length}`);
  const count = Math.min(items.length - 1, Math.max(1, Math.round(items.length * ratio)));
  const held = new Uint8Array(items.length);
  for (const i of new Rng(seed).shuffle(items.map((_, i) => i)).slice(0, count)) held[i] = 1;
  return { train: items.filter((_, i) => !held[i]), validation: items.filter((_, i) => held[i]) };
}
