import { describe, expect, it } from 'vitest';
import { InMemoryDataSource } from './in-memory.data-source.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ input_ids: [i, i], labels: [i, -100], attention_mask: [1, i % 2] }));
const ids = (src: InMemoryDataSource, epoch: number) =>
  Array.from({ length: src.numBatches() }, (_, b) => Array.from(src.batch(epoch, b).tensors.input_ids.data as BigInt64Array, Number).filter((_, k) => k % 2 === 0)).flat();

describe('InMemoryDataSource', () => {
  it('orders each epoch as a pure function of (seed, epoch), whatever was read before', () => {
    const a = new InMemoryDataSource(rows(10), { batchSize: 3, seed: 1 });
    const b = new InMemoryDataSource(rows(10), { batchSize: 3, seed: 1 });
    const late = Array.from(b.batch(4, 2).tensors.input_ids.data as BigInt64Array);
    expect(ids(a, 4).slice(6, 9)).toEqual(late.filter((_, k) => k % 2 === 0).map(Number));
    expect(ids(a, 0)).toEqual(ids(b, 0));
    expect(ids(a, 0)).not.toEqual(ids(a, 1));
    expect([...ids(a, 1)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ids(new InMemoryDataSource(rows(10), { batchSize: 3, seed: 2 }), 0)).not.toEqual(ids(a, 0));
    expect(ids(new InMemoryDataSource(rows(10), { batchSize: 3, shuffle: false }), 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stacks fields into i64 [B, T], counts tokens from the mask, and keeps or drops the last batch', () => {
    const src = new InMemoryDataSource(rows(5), { batchSize: 2, shuffle: false });
    expect(src.numBatches()).toBe(3);
    const last = src.batch(0, 2);
    expect(last.tensors.labels.shape).toEqual([1, 2]);
    expect(last.tensors.labels.dtype).toBe('i64');
    expect(src.batch(0, 0).tokens).toBe(3); // rows 0 and 1: masks [1, 0] and [1, 1]
    expect(new InMemoryDataSource(rows(5), { batchSize: 2, dropLast: true }).numBatches()).toBe(2);
    expect(() => src.batch(0, 3)).toThrow('batch 3 out of range [0, 3)');
    expect(() => new InMemoryDataSource([{ input_ids: [1, 2] }, { input_ids: [1] }], { batchSize: 1 })).toThrow('example 1 has fields/lengths different');
  });
});
