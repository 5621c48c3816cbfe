/** Where a run blew up, and where it can restart from. */
export interface NonFiniteContext {
  /** 'loss' or 'grad_norm'. */
  quantity: string;
  value: number;
  /** The optimizer step being computed (1-based, as logged). */
  step: number;
  epoch: number;
  /** Micro-batch index within the epoch. */
  batch: number;
  /** Where that micro-batch's first row came from (`data/train.jsonl:17`), when the data source knows. */
  firstRow?: string;
  lastCheckpoint: string | null;
}

const show = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf');

/** A NaN/Inf loss or gradient norm stops the run: continuing would only write NaN weights. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  constructor(readonly context: NonFiniteContext) {
    const { quantity, value, step, epoch, batch, firstRow, lastCheckpoint } = context;
    const row = firstRow === undefined ? '' : `, first row ${firstRow}`;
    super(
      `${quantity} is ${show(value)} at step ${step} (epoch ${epoch}, batch ${batch}${row}); last good checkpoint: ${lastCheckpoint ?? 'none'}; training.skip_nonfinite_steps: true skips such steps`,
    );
  }
}
