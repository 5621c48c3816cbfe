import { describe, expect, it } from 'vitest';
import { splitByRatio } from './split.js';

describe('splitByRatio', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  it('holds out round(n * ratio) items, disjoint, covering everything, in original order', () => {
    const { train, validation } = splitByRatio(items, 0.1, 42);
    expect(validation).toHaveLength(10);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(items);
    expect(validation).toEqual([...validation].sort((a, b) => a - b));
  });

  it('is a pure function of items, ratio and seed', () => {
    expect(splitByRatio(items, 0.2, 7)).toEqual(splitByRatio(items, 0.2, 7));
    expect(splitByRatio(items, 0.2, 8).validation).not.toEqual(splitByRatio(items, 0.2, 7).validation);
  });

  it('keeps at least one row on each side and rejects what cannot be split', () => {
    expect(splitByRatio([1, 2, 3], 0.01, 0).validation).toHaveLength(1);
    expect(splitByRatio([1, 2, 3], 0.99, 0).train).toHaveLength(1);
    expect(() => splitByRatio([1], 0.5, 0)).toThrow('validation_split needs at least 2 rows to split, got 1');
    expect(() => splitByRatio(items, 1, 0)).toThrow('validation_split must be between 0 and 1 (exclusive), got 1');
  });
});
