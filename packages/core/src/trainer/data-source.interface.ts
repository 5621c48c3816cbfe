import type { HostTensor } from '../host-tensor.js';

/** One micro-batch: named tensors fed to the task's traced graph as they are. */
export interface Batch {
  /** By feed name (`input_ids`, `labels`, `attention_mask`, ...). */
  readonly tensors: Readonly<Record<string, HostTensor>>;
  /** Input tokens in the batch, padding excluded: throughput and `num_input_tokens_seen`. */
  readonly tokens: number;
  /** Where the batch's first row came from (`data/train.jsonl:17`), named when the batch breaks training. */
  readonly firstRow?: string;
}

/**
 * Random-access batches (the data package implements it). The order within an epoch must be a pure
 * function of the source's seed and `epoch`, so a resumed run jumps straight to (epoch, index)
 * without replaying the batches before it.
 */
export interface TrainDataSource {
  /** Rows per batch; when set, the trainer checks it against `per_device_{train,eval}_batch_size`. */
  readonly batchSize?: number;
  numBatches(epoch: number): number;
  batch(epoch: number, index: number): Batch | Promise<Batch>;
}
