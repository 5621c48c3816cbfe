import { describe, expect, it } from 'vitest';
import type { TrainDataSource } from './data-source.interface.js';
import { InMemoryDataSource } from './in-memory.data-source.js';
import { ShardedDataSource } from './sharded.data-source.js';

describe('ShardedDataSource', () => {
  it("gives rank r batches r, r + N, ... of the source's order, leaving out what cannot give every rank a batch", async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ input_ids: [i] }));
    const source = new InMemoryDataSource(rows, { batchSize: 1, seed: 3 });
    const ranks = [0, 1, 2].map((r) => new ShardedDataSource(source, r, 3));
    expect(ranks.map((s) => s.numBatches(0))).toEqual([2, 2, 2]);
    const first = async (s: TrainDataSource, i: number) => Number((await s.batch(1, i)).tensors.input_ids.data[0]);
    const order = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => first(source, k)));
    expect(await Promise.all([0, 1].flatMap((i) => ranks.map((s) => first(s, i))))).toEqual(order);
    expect(() => new ShardedDataSource(source, 0, 8).numBatches(0)).toThrow(/7 batches, fewer than the 8 ranks/);
  });
});
