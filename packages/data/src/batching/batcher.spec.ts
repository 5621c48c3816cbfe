import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../tokenize/tokenized-example.js';
import { Batcher } from './batcher.js';
import { rowOf, type Row } from './row.js';

const rowsOfLengths = (lengths: readonly number[]): Row[] =>
  lengths.map((n, k) => {
    const ids = Int32Array.from({ length: n }, (_, i) => k * 1000 + i + 1);
    return rowOf({ inputIds: ids, labels: ids.map((id, i) => (i === 0 ? IGNORE_INDEX : id)) });
  });
const lengths = Array.from({ length: 37 }, (_, k) => 3 + ((k * 7919) % 29));
const PAD = 151643;

describe('Batcher', () => {
  it('pads to the longest row rounded up to pad_to_multiple_of, with mask 0 and labels -100 on padding', () => {
    const rows = rowsOfLengths([5, 11, 2]);
    const batch = new Batcher(rows, { batchSize: 3, padTokenId: PAD, shuffle: false }).batchAt({ epoch: 0, index: 0 });
    const { input_ids, labels, attention_mask, position_ids, document_ids } = batch.tensors;
    expect(input_ids.shape).toEqual([3, 16]);
    expect(input_ids.dtype).toBe('i64');
    expect(attention_mask.dtype).toBe('bool');
    const row = (t: { data: ArrayLike<number | bigint> }, r: number) => Array.from({ length: 16 }, (_, i) => Number(t.data[r * 16 + i]));
    expect(row(input_ids, 2)).toEqual([2001, 2002, ...Array(14).fill(PAD)]);
    expect(row(labels, 2)).toEqual([-100, 2002, ...Array(14).fill(-100)]);
    expect(row(attention_mask, 0)).toEqual([...Array(5).fill(1), ...Array(11).fill(0)]);
    expect(row(position_ids, 1)).toEqual([...Array.from({ length: 11 }, (_, i) => i), 0, 0, 0, 0, 0]);
    expect(row(document_ids, 0)).toEqual([...Array(5).fill(1), ...Array(11).fill(0)]);
    expect(batch.tokenCount).toBe(18);
    expect(batch.trainedTokenCount).toBe(15);
  });

  it('covers every row once per epoch, in a seed- and epoch-determined order', () => {
    const rows = rowsOfLengths(lengths);
    const plan = (seed: number, epoch: number) => new Batcher(rows, { batchSize: 4, padTokenId: PAD, seed }).plan(epoch);
    expect(plan(1, 0).flat().sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    expect(plan(1, 0)).toEqual(plan(1, 0));
    expect(plan(1, 1)).not.toEqual(plan(1, 0));
    expect(plan(2, 0)).not.toEqual(plan(1, 0));
    expect(plan(1, 0)).toHaveLength(10);
  });

  it('groups by length: batches hold rows of similar length, so padding shrinks', () => {
    const rows = rowsOfLengths(lengths);
    const padding = (groupByLength: boolean) =>
      [...new Batcher(rows, { batchSize: 4, padTokenId: PAD, seed: 3, groupByLength, padToMultipleOf: 1 }).batchesFor(0)].reduce(
        (sum, b) => sum + b.tensors.input_ids.size - b.tokenCount,
        0,
      );
    expect(padding(true)).toBeLessThan(padding(false) / 2);
    const grouped = new Batcher(rows, { batchSize: 4, padTokenId: PAD, seed: 3, groupByLength: true });
    expect(grouped.plan(0).flat().sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
  });

  it('resumes from a cursor with the identical next batch, in a new Batcher', () => {
    const rows = rowsOfLengths(lengths);
    const options = { batchSize: 4, padTokenId: PAD, seed: 9, groupByLength: true };
    const first = new Batcher(rows, options);
    let cursor = { epoch: 0, index: 0 };
    for (let step = 0; step < 13; step++) cursor = first.next(cursor); // into epoch 1
    expect(cursor).toEqual({ epoch: 1, index: 3 });
    const expected = first.batchAt(cursor);
    const resumed = new Batcher(rows, options);
    const [next] = resumed.batchesFor(cursor.epoch, cursor.index);
    expect(next.rows).toEqual(expected.rows);
    expect(next.cursor).toEqual(cursor);
    expect([...next.tensors.input_ids.data]).toEqual([...expected.tensors.input_ids.data]);
  });

  it('drops a short last batch only when asked', () => {
    const rows = rowsOfLengths([3, 3, 3, 3, 3]);
    expect(new Batcher(rows, { batchSize: 2, padTokenId: PAD }).batchesPerEpoch).toBe(3);
    expect(new Batcher(rows, { batchSize: 2, padTokenId: PAD, dropLast: true }).plan(0)).toHaveLength(2);
  });

  it('rejects a cursor past the epoch', () => {
    const batcher = new Batcher(rowsOfLengths([3, 3]), { batchSize: 2, padTokenId: PAD });
    expect(() => batcher.batchAt({ epoch: 0, index: 1 })).toThrow('Batcher: batch 1 does not exist; epoch 0 has 1');
  });
});
