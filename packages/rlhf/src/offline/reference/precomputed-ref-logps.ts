import { type Batch, type Executor, HostTensor, type TrainDataSource, readJsonObject, writeJsonFile } from '@tunekit/core';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rowInputs } from '../tasks/row-inputs.js';
import type { TracedReference } from './reference-policy.js';

/** Beside the run's checkpoints: the reference log-probs of every row, so a resumed run reads them back. */
export const REF_LOGPS_FILE = 'ref_logps.json';

/** A row's identity: its real tokens and which of them are completion tokens. */
function rowKeys(batch: Batch, prefix: string): string[] {
  const ids = batch.tensors[`${prefix}input_ids`];
  const mask = batch.tensors[`${prefix}attention_mask`].toFloat32();
  const completion = batch.tensors[`${prefix}completion_mask`].toFloat32();
  const [n, t] = ids.shape;
  const values = Array.from(ids.data as ArrayLike<number | bigint>, Number);
  return Array.from({ length: n }, (_, r) => {
    const cells: string[] = [];
    for (let i = r * t; i < (r + 1) * t; i++) if (mask[i]) cells.push(completion[i] ? `${values[i]}*` : `${values[i]}`);
    return cells.join(' ');
  });
}

/**
 * TRL's `precompute_ref_log_probs`: one pass of the reference over every row of the train and
 * validation sources before the first step, kept in memory and in the run's output dir, then fed
 * to each batch as `<group>ref_logps` [N]. Memory holds one model while training (full
 * fine-tuning), and a resumed run reuses the stored values instead of the moved weights.
 */
export class PrecomputedRefLogps {
  private readonly table = new Map<string, number>();
  private readonly sources: TrainDataSource[] = [];
  private reference: { traced: TracedReference; executor: Executor; outputDir: string } | null = null;
  private ready: Promise<void> | null = null;

  /** `groups`: the row groups each batch carries (`''`, and `kl_` for KTO's mismatched rows). */
  constructor(private readonly groups: readonly string[] = ['']) {}

  /** The reference the pass runs and the run's output dir (the task binds them when it is created, before the first batch). */
  bind(traced: TracedReference, executor: Executor, outputDir: string): void {
    this.reference = { traced, executor, outputDir };
  }

  /** `source` with the reference log-probs of each batch's row groups added to its tensors. */
  wrap(source: TrainDataSource): TrainDataSource {
    this.sources.push(source);
    return {
      ...(source.batchSize !== undefined ? { batchSize: source.batchSize } : {}),
      numBatches: (epoch) => source.numBatches(epoch),
      batch: async (epoch, index) => {
        await (this.ready ??= this.prepare());
        const batch = await source.batch(epoch, index);
        const tensors = { ...batch.tensors };
        for (const g of this.groups) tensors[`${g}ref_logps`] = HostTensor.f32([batch.tensors[`${g}input_ids`].shape[0]], await this.lookup(batch, g));
        return { ...batch, tensors };
      },
    };
  }

  private get file(): string {
    if (!this.reference) throw new Error('precompute_ref_log_probs: no reference model was bound before the first batch');
    return join(this.reference.outputDir, REF_LOGPS_FILE);
  }

  /** Reads the run's stored values, or runs the pass over every batch of every source and stores them. */
  private async prepare(): Promise<void> {
    const stored = await readJsonObject(this.file, { optional: true });
    if (stored) {
      for (const [k, v] of Object.entries(stored.rows as Record<string, number>)) this.table.set(k, v);
      return;
    }
    for (const source of this.sources) {
      for (let i = 0; i < source.numBatches(0); i++) {
        const batch = await source.batch(0, i);
        for (const g of this.groups) await this.compute(batch, g);
      }
    }
    await mkdir(dirname(this.file), { recursive: true });
    await writeJsonFile(`${this.file}.tmp`, { rows: Object.fromEntries(this.table) });
    await rename(`${this.file}.tmp`, this.file);
  }

  private async compute(batch: Batch, group: string): Promise<void> {
    if (!this.reference) throw new Error('precompute_ref_log_probs: no reference model was bound before the first batch');
    const { traced, executor } = this.reference;
    const rows = rowInputs(batch, group, 'precompute_ref_log_probs');
    const [out] = await executor.compile([traced.logps(rows, batch)]).run(batch.tensors);
    const values = out.toFloat32();
    rowKeys(batch, group).forEach((k, i) => this.table.set(k, values[i]));
  }

  private async lookup(batch: Batch, group: string): Promise<number[]> {
    let keys = rowKeys(batch, group);
    if (keys.some((k) => !this.table.has(k))) {
      // A row the pass did not see (KTO's mismatched rows pair differently after a reshuffle): only
      // a reference that does not train can score it now.
      if (!this.reference?.traced.stable) throw new Error(`precompute_ref_log_probs: a ${group || 'batch'} row was not in the pass before training, and the reference (${this.reference?.traced.description ?? 'none'}) has trained since`);
      await this.compute(batch, group);
      keys = rowKeys(batch, group);
    }
    return keys.map((k) => this.table.get(k)!);
  }
}
