import type { HostTensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../batching/batcher.js';
import { packExamples, packedAttentionMask } from '../batching/packer.js';
import { rowOf } from '../batching/row.js';
import { toTrainDataSource } from './trainer-source.js';

const example = (n: number, first: number) => {
  const ids = Int32Array.from({ length: n }, (_, i) => first + i);
  return { inputIds: ids, labels: ids.slice() };
};
const examples = [example(3, 10), example(2, 20), example(4, 30), example(1, 40)];

describe('toTrainDataSource', () => {
  it('serves the batcher\'s batches by (epoch, index) without document_ids, counting real tokens', async () => {
    const batcher = new Batcher(examples.map(rowOf), { batchSize: 2, padTokenId: 0, seed: 3 });
    const source = toTrainDataSource(batcher, { packed: false });
    expect(source.numBatches(0)).toBe(2);
    for (const [epoch, index] of [[0, 1], [1, 0], [2, 1]]) {
      const expected = batcher.batchAt({ epoch, index });
      const batch = await source.batch(epoch, index);
      expect(Object.keys(batch.tensors).sort()).toEqual(['attention_mask', 'input_ids', 'labels', 'position_ids']);
      expect(batch.tensors.input_ids.data).toEqual(expected.tensors.input_ids.data);
      expect(batch.tensors.attention_mask).toEqual(expected.tensors.attention_mask);
      expect(batch.tokens).toBe(expected.tokenCount);
    }
  });

  it('turns packed rows into [B, 1, T, T] per-document causal masks, keeping the restarting position ids', async () => {
    const rows = packExamples(examples, 6);
    const batcher = new Batcher(rows, { batchSize: 2, padTokenId: 0, shuffle: false, padToMultipleOf: 8 });
    const batch = await toTrainDataSource(batcher, { packed: true }).batch(0, 0);
    const mask = batch.tensors.attention_mask as HostTensor<'bool'>;
    const positions = batch.tensors.position_ids as HostTensor<'i64'>;
    const raw = batcher.batchAt({ epoch: 0, index: 0 }).tensors;
    const [b, t] = raw.input_ids.shape;
    expect(mask.dtype).toBe('bool');
    expect(mask.shape).toEqual([b, 1, t, t]);
    for (let r = 0; r < b; r++) {
      const docs = raw.document_ids.data.subarray(r * t, (r + 1) * t);
      expect(Array.from(mask.data.subarray(r * t * t, (r + 1) * t * t))).toEqual(Array.from(packedAttentionMask(docs)));
    }
    // Row 0 packs the 4-token document with the 2-token one: token 4 (second document) sees only itself.
    expect(Array.from(mask.data.subarray(4 * t, 5 * t))).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(positions.data.subarray(0, 6)).map(Number)).toEqual([0, 1, 2, 3, 0, 1]);
    expect(batch.tensors).not.toHaveProperty('document_ids');
  });
});
