import { HostTensor } from '@tunekit/core';
import type { RecordSource } from '../errors.js';
import { batchesPerEpoch, planEpoch } from './batch-plan.js';
import { IGNORE_INDEX } from '../tokenize/tokenized-example.js';
import type { Row } from './row.js';

/** Where a run is in its data: the next batch is `index` of `epoch`. Saved in checkpoints. */
export interface DataCursor {
  readonly epoch: number;
  readonly index: number;
}

export interface BatchTensors {
  readonly input_ids: HostTensor<'i64'>;
  readonly labels: HostTensor<'i64'>;
  readonly position_ids: HostTensor<'i64'>;
  /** 1 on real tokens, 0 on padding. */
  readonly attention_mask: HostTensor<'bool'>;
  /** Document of each token within its row (0 on padding): feed to `packedAttentionMask` per row. */
  readonly document_ids: HostTensor<'i32'>;
}

export interface Batch {
  readonly tensors: BatchTensors;
  /** This batch's own position. */
  readonly cursor: DataCursor;
  /** Indices into the split's rows. */
  readonly rows: readonly number[];
  readonly tokenCount: number;
  readonly trainedTokenCount: number;
  /** The record of the batch's first row, when the rows were read from files. */
  readonly firstRow?: RecordSource;
}

export interface BatcherOptions {
  readonly batchSize: number;
  readonly padTokenId: number;
  readonly seed?: number;
  readonly shuffle?: boolean;
  /** Put rows of similar length together so batches carry little padding. */
  readonly groupByLength?: boolean;
  /** Pad lengths to a multiple of this, so a few shapes (and compiled programs) serve the whole run. */
  readonly padToMultipleOf?: number;
  /** Rows sorted together when grouping by length, in batches (transformers' LengthGroupedSampler uses 50). */
  readonly megabatchFactor?: number;
  readonly dropLast?: boolean;
}

/**
 * Turns rows into padded batches. The order of an epoch is a pure function of (seed, epoch), so a
 * run resumed from a checkpoint's `DataCursor` gets exactly the batch it would have got.
 */
export class Batcher {
  private readonly options: Required<BatcherOptions>;
  private planned: { epoch: number; batches: number[][] } | null = null;

  constructor(
    readonly rows: readonly Row[],
    options: BatcherOptions,
  ) {
    this.options = { seed: 0, shuffle: true, groupByLength: false, padToMultipleOf: 8, megabatchFactor: 50, dropLast: false, ...options };
    const { batchSize, padToMultipleOf } = this.options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Batcher: batch size must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1) throw new Error(`Batcher: pad_to_multiple_of must be a positive integer, got ${padToMultipleOf}`);
    if (rows.length === 0) throw new Error('Batcher: no rows to batch');
  }

  get batchesPerEpoch(): number {
    return batchesPerEpoch(this.rows.length, this.options.batchSize, this.options.dropLast);
  }

  /** Row indices of every batch of `epoch`. */
  plan(epoch: number): readonly (readonly number[])[] {
    if (this.planned?.epoch !== epoch) this.planned = { epoch, batches: this.computePlan(epoch) };
    return this.planned.batches;
  }

  batchAt(cursor: DataCursor): Batch {
    const batches = this.plan(cursor.epoch);
    if (!Number.isInteger(cursor.index) || cursor.index < 0 || cursor.index >= batches.length) {
      throw new Error(`Batcher: batch ${cursor.index} does not exist; epoch ${cursor.epoch} has ${batches.length}`);
    }
    return this.collate(batches[cursor.index], cursor);
  }

  /** The batches of `epoch` from `fromIndex` on (a resumed run passes its cursor's index). */
  *batchesFor(epoch: number, fromIndex = 0): Generator<Batch> {
    for (let index = fromIndex; index < this.batchesPerEpoch; index++) yield this.batchAt({ epoch, index });
  }

  /** The cursor after `cursor`, rolling over into the next epoch. */
  next(cursor: DataCursor): DataCursor {
    return cursor.index + 1 < this.batchesPerEpoch ? { epoch: cursor.epoch, index: cursor.index + 1 } : { epoch: cursor.epoch + 1, index: 0 };
  }

  private computePlan(epoch: number): number[][] {
    return planEpoch(
      this.rows.map((r) => r.inputIds.length),
      this.options,
      epoch,
    );
  }

  private collate(indices: readonly number[], cursor: DataCursor): Batch {
    const { padToMultipleOf, padTokenId } = this.options;
    const rows = indices.map((i) => this.rows[i]);
    const longest = Math.max(...rows.map((r) => r.inputIds.length));
    const t = Math.ceil(longest / padToMultipleOf) * padToMultipleOf;
    const b = rows.length;
    const ids = new BigInt64Array(b * t).fill(BigInt(padTokenId));
    const labels = new BigInt64Array(b * t).fill(BigInt(IGNORE_INDEX));
    const positions = new BigInt64Array(b * t);
    const mask = new Uint8Array(b * t);
    const documents = new Int32Array(b * t);
    let tokenCount = 0;
    let trainedTokenCount = 0;
    rows.forEach((row, r) => {
      const base = r * t;
      row.inputIds.forEach((id, i) => {
        ids[base + i] = BigInt(id);
        labels[base + i] = BigInt(row.labels[i]);
        positions[base + i] = BigInt(row.positionIds[i]);
        if (row.labels[i] !== IGNORE_INDEX) trainedTokenCount++;
      });
      mask.fill(1, base, base + row.inputIds.length);
      documents.set(row.documentIds, base);
      tokenCount += row.inputIds.length;
    });
    const shape = [b, t];
    return {
      tensors: {
        input_ids: new HostTensor('i64', shape, ids),
        labels: new HostTensor('i64', shape, labels),
        position_ids: new HostTensor('i64', shape, positions),
        attention_mask: new HostTensor('bool', shape, mask),
        document_ids: new HostTensor('i32', shape, documents),
      },
      cursor,
      rows: indices,
      tokenCount,
      trainedTokenCount,
      ...(rows[0].source ? { firstRow: rows[0].source } : {}),
    };
  }
}
