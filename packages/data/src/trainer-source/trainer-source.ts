import { type Batch as TrainerBatch, HostTensor, type TrainDataSource } from '@tunekit/core';
import type { Batch, Batcher } from '../batching/batcher.js';
import { packedAttentionMask } from '../batching/packer.js';

export interface TrainDataSourceOptions {
  /**
   * The rows are packed (`packing: true`): each token may attend only within its own document, so
   * the key-padding mask [B, T] becomes a full mask [B, 1, T, T]. Set from the dataset config rather
   * than detected per batch, so every batch has the same mask rank and shares one compiled program.
   */
  readonly packed: boolean;
}

/** [B, 1, T, T] block-diagonal causal masks, one per row, from the rows' document ids. */
function packedMasks(documentIds: HostTensor<'i32'>): HostTensor<'bool'> {
  const [b, t] = documentIds.shape;
  const masks = new Uint8Array(b * t * t);
  for (let r = 0; r < b; r++) masks.set(packedAttentionMask(documentIds.data.subarray(r * t, (r + 1) * t)), r * t * t);
  return new HostTensor('bool', [b, 1, t, t], masks);
}

function toTrainerBatch(batch: Batch, packed: boolean): TrainerBatch {
  // document_ids is data-side bookkeeping: a model has no input of that name, and every tensor of a
  // trainer batch is fed to the traced graph.
  const { document_ids, attention_mask, ...rest } = batch.tensors;
  const tensors = { ...rest, attention_mask: packed ? packedMasks(document_ids) : attention_mask };
  return { tensors, tokens: batch.tokenCount, ...(batch.firstRow ? { firstRow: `${batch.firstRow.file}:${batch.firstRow.line}` } : {}) };
}

/** The data package's batcher as the core trainer's random-access data source. */
export function toTrainDataSource(batcher: Batcher, options: TrainDataSourceOptions): TrainDataSource {
  return {
    numBatches: () => batcher.batchesPerEpoch,
    batch: (epoch, index) => toTrainerBatch(batcher.batchAt({ epoch, index }), options.packed),
  };
}
