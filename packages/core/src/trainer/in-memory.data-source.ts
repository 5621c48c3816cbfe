import { HostTensor } from '../host-tensor.js';
import { Rng } from '../random/rng.js';
import type { Batch, TrainDataSource } from './data-source.interface.js';
import { mixSeed } from './rng-registry.js';

/** One example: equal-length integer rows by feed name (`input_ids`, `labels`, `attention_mask`, ...). */
export type Example = Readonly<Record<string, readonly number[]>>;

export interface InMemoryDataSourceOptions {
  batchSize: number;
  /** Reshuffle every epoch from (seed, epoch); false keeps the given order. */
  shuffle?: boolean;
  seed?: number;
  /** Drop a last, smaller batch (HF `dataloader_drop_last`). */
  dropLast?: boolean;
}

/**
 * Batches of pre-tokenized examples held in memory: the reference `TrainDataSource` for tests and
 * small scripts. Each field is stacked into an i64 [B, T] tensor; tokens are counted from
 * `attention_mask` when present, else all of `input_ids`.
 */
export class InMemoryDataSource implements TrainDataSource {
  readonly batchSize: number;
  private readonly orders = new Map<number, number[]>();
  private readonly fields: string[];

  constructor(
    private readonly examples: readonly Example[],
    private readonly options: InMemoryDataSourceOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`InMemoryDataSource: batchSize must be an integer >= 1, got ${options.batchSize}`);
    if (examples.length === 0) throw new Error('InMemoryDataSource: no examples');
    this.batchSize = options.batchSize;
    this.fields = Object.keys(examples[0]);
    const lengths = this.fields.map((f) => examples[0][f].length);
    examples.forEach((ex, i) => {
      const keys = Object.keys(ex);
      if (keys.length !== this.fields.length || this.fields.some((f, k) => ex[f]?.length !== lengths[k])) {
        throw new Error(`InMemoryDataSource: example ${i} has fields/lengths different from example 0 (${this.fields.map((f, k) => `${f}[${lengths[k]}]`).join(', ')})`);
      }
    });
  }

  numBatches(): number {
    const n = this.examples.length / this.batchSize;
    return this.options.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  batch(epoch: number, index: number): Batch {
    if (!Number.isInteger(index) || index < 0 || index >= this.numBatches()) throw new Error(`InMemoryDataSource: batch ${index} out of range [0, ${this.numBatches()})`);
    const picked = this.order(epoch).slice(index * this.batchSize, (index + 1) * this.batchSize);
    const rows = picked.map((i) => this.examples[i]);
    const tensors: Record<string, HostTensor> = {};
    for (const field of this.fields) tensors[field] = HostTensor.i64([rows.length, rows[0][field].length], rows.flatMap((r) => r[field]));
    const mask = rows[0].attention_mask;
    const tokens = mask ? rows.reduce((n, r) => n + r.attention_mask.reduce((a, b) => a + b, 0), 0) : rows.length * (rows[0].input_ids?.length ?? 0);
    return { tensors, tokens, firstRow: `examples[${picked[0]}]` };
  }

  /** The permutation of an epoch: a pure function of (seed, epoch), cached. */
  private order(epoch: number): number[] {
    let order = this.orders.get(epoch);
    if (!order) {
      order = this.examples.map((_, i) => i);
      if (this.options.shuffle !== false) new Rng(mixSeed(this.options.seed ?? 42, epoch)).shuffle(order);
      this.orders.set(epoch, order);
    }
    return order;
  }
}
