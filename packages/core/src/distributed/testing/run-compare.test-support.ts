import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { relativeError } from '../../testing/golden-compare.test-support.js';
import type { RankResult } from './data-parallel-run.test-support.js';

/** Every rank's result of a run, in rank order. */
export function readRanks(outputDir: string, ranks: number): RankResult[] {
  return Array.from({ length: ranks }, (_, r) => JSON.parse(readFileSync(join(outputDir, `result-rank${r}.json`), 'utf8')) as RankResult);
}

/** How far run `got` is from run `want`: the worst relative error of the losses and of any weight tensor, and whether all is bitwise equal. */
export function compareRuns(got: RankResult, want: RankResult): { losses: number; weights: number; bitwise: boolean } {
  const names = Object.keys(want.weights);
  if (Object.keys(got.weights).sort().join() !== [...names].sort().join()) throw new Error('compareRuns: the runs trained different parameters');
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  return {
    losses: relativeError(got.losses, want.losses),
    weights: Math.max(...names.map((n) => relativeError(got.weights[n], want.weights[n]))),
    bitwise: same(got.losses, want.losses) && names.every((n) => same(got.weights[n], want.weights[n])),
  };
}
