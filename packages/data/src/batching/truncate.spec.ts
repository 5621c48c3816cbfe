import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../tokenize/tokenized-example.js';
import { truncate, truncateAll } from './truncate.js';

const example = (n: number): TokenizedExample => ({ inputIds: Int32Array.from({ length: n }, (_, i) => i), labels: Int32Array.from({ length: n }, (_, i) => 100 + i) });

describe('truncate', () => {
  it('right keeps the start, left keeps the end, ids and labels together', () => {
    expect([...truncate(example(6), 4, 'right').inputIds]).toEqual([0, 1, 2, 3]);
    expect([...truncate(example(6), 4, 'right').labels]).toEqual([100, 101, 102, 103]);
    expect([...truncate(example(6), 4, 'left').inputIds]).toEqual([2, 3, 4, 5]);
    expect([...truncate(example(6), 4, 'left').labels]).toEqual([102, 103, 104, 105]);
  });

  it('returns an example that fits unchanged', () => {
    const e = example(4);
    expect(truncate(e, 4, 'right')).toBe(e);
  });

  it.each(['right', 'left'] as const)('counts the examples it cut (%s)', (side) => {
    const report = truncateAll([example(3), example(5), example(4), example(9)], 4, side);
    expect(report.truncated).toBe(2);
    expect(report.examples.map((e) => e.inputIds.length)).toEqual([3, 4, 4, 4]);
  });
});
