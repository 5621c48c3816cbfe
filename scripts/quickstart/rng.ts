import { Rng } from '@tunekit/core';

/** A seeded stream with the few draws the generators need (TuneKit's own Rng underneath). */
export class Draw {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  int(n: number): number {
    return this.rng.int(n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.rng.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }

  /** `k` distinct items, in random order. */
  distinct<T>(items: readonly T[], k: number): T[] {
    return this.rng.shuffle([...items]).slice(0, k);
  }

  chance(p: number): boolean {
    return this.rng.uniform() < p;
  }
}
