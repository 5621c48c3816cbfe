import { describe, expect, it } from 'vitest';
import { FlatView, partitionContiguous } from './flat-view.js';

describe('FlatView and partitionContiguous', () => {
  it('reads and writes byte ranges that cross buffer boundaries', () => {
    const segments = [Uint8Array.of(1, 2, 3), Uint8Array.of(), Uint8Array.of(4, 5), Uint8Array.of(6, 7, 8, 9)];
    const view = new FlatView(segments.map((s) => s.length));
    const out = new Uint8Array(5);
    view.read(segments, 2, 7, out);
    expect([...out]).toEqual([3, 4, 5, 6, 7]);
    view.write(segments, 1, 6, Uint8Array.of(0, 20, 30, 40, 50, 60), 1);
    expect(segments.map((s) => [...s])).toEqual([[1, 20, 30], [], [40, 50], [60, 7, 8, 9]]);
    expect(() => view.read(segments, 4, 10, new Uint8Array(6))).toThrow(/outside \[0, 9\)/);
  });

  it('splits parameters into contiguous runs of nearly equal size, one per rank', () => {
    expect(partitionContiguous([10, 10, 10, 10], 2)).toEqual([0, 2, 4]);
    expect(partitionContiguous([30, 5, 5, 5, 5], 2)).toEqual([0, 1, 5]);
    expect(partitionContiguous([1, 1, 1], 1)).toEqual([0, 3]);
    // The boundary nearest to a third of one parameter is before it: the first rank owns nothing.
    expect(partitionContiguous([7], 3)).toEqual([0, 0, 1, 1]);
  });
});
