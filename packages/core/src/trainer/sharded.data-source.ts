import type { Batch, TrainDataSource } from './data-source.interface.js';

/**
 * One rank's share of every global batch: micro-batch i of rank r is batch i * size + r of the
 * source (accelerate's batch-level sharding), so the ranks together read exactly what one process
 * with `size` times the batch would, in the same order, and resume from the same position.
 * The source's last batches that cannot give every rank one are left out of the epoch.
 */
export class ShardedDataSource implements TrainDataSource {
  constructor(
    private readonly source: TrainDataSource,
    private readonly rank: number,
    private readonly size: number,
  ) {}

  get batchSize(): number | undefined {
    return this.source.batchSize;
  }

  numBatches(epoch: number): number {
    const n = this.source.numBatches(epoch);
    if (n > 0 && n < this.size) throw new Error(`data parallel: epoch ${epoch} has ${n} batches, fewer than the ${this.size} ranks; use more data or a smaller per_device_train_batch_size`);
    return Math.floor(n / this.size);
  }

  batch(epoch: number, index: number): Batch | Promise<Batch> {
    return this.source.batch(epoch, index * this.size + this.rank);
  }
}
