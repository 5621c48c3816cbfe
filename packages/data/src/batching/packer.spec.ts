import { describe, expect, it } from 'vitest';
import { Rng } from '@tunekit/core';
import type { TokenizedExample } from '../tokenize/tokenized-example.js';
import { packedAttentionMask, packExamples } from './packer.js';

/** Example `k` of length n: ids k*1000 + position, so every token is identifiable. */
const doc = (k: number, n: number): TokenizedExample => {
  const ids = Int32Array.from({ length: n }, (_, i) => k * 1000 + i);
  return { inputIds: ids, labels: ids.map((id, i) => (i === 0 ? -100 : id)) };
};

describe('packExamples', () => {
  const rng = new Rng(7);
  const lengths = Array.from({ length: 200 }, () => 1 + rng.int(64));
  const examples = lengths.map((n, k) => doc(k, n));
  const rows = packExamples(examples, 64);

  it('never exceeds max_length, and stays within the first-fit-decreasing bound of the optimum', () => {
    for (const row of rows) expect(row.inputIds.length).toBeLessThanOrEqual(64);
    // No two examples over half a row share one, so the optimum needs at least this many rows.
    const lowerBound = Math.max(Math.ceil(lengths.reduce((a, b) => a + b, 0) / 64), lengths.filter((n) => n > 32).length);
    expect(rows.length).toBeLessThanOrEqual(Math.ceil((11 / 9) * lowerBound) + 1);
  });

  it('fills rows exactly where the lengths allow it', () => {
    const packed = packExamples([40, 24, 30, 34, 10, 54].map((n, k) => doc(k, n)), 64);
    expect(packed.map((r) => r.inputIds.length)).toEqual([64, 64, 64]);
    expect(packed.map((r) => [...new Set([...r.inputIds].map((id) => Math.floor(id / 1000)))])).toEqual([[5, 4], [0, 1], [3, 2]]);
  });

  it('holds every token exactly once, with its label', () => {
    const seen = new Map<number, number>();
    for (const row of rows) row.inputIds.forEach((id, i) => seen.set(id, row.labels[i]));
    expect(seen.size).toBe(lengths.reduce((a, b) => a + b, 0));
    examples.forEach((e) => e.inputIds.forEach((id, i) => expect(seen.get(id)).toBe(e.labels[i])));
  });

  it('restarts position ids at 0 for each document and numbers documents 1, 2, ...', () => {
    for (const row of rows) {
      row.inputIds.forEach((id, i) => expect(row.positionIds[i]).toBe(id % 1000));
      const starts = [...row.positionIds].filter((p) => p === 0).length;
      expect(Math.max(...row.documentIds)).toBe(starts);
      row.documentIds.forEach((d, i) => expect(d).toBe(i === 0 ? 1 : row.documentIds[i - 1] + (row.positionIds[i] === 0 ? 1 : 0)));
    }
  });

  it('rejects an example longer than a row', () => {
    expect(() => packExamples([doc(0, 10)], 8)).toThrow('example 0 has 10 tokens, more than max_length 8; truncate first');
  });
});

describe('packedAttentionMask', () => {
  it('is causal within each document, blocks across documents, and lets padding see only itself', () => {
    const mask = packedAttentionMask([1, 1, 2, 2, 2, 0]);
    const rows = Array.from({ length: 6 }, (_, i) => [...mask.subarray(i * 6, i * 6 + 6)].join(''));
    expect(rows).toEqual(['100000', '110000', '001000', '001100', '001110', '000001']);
  });
});
