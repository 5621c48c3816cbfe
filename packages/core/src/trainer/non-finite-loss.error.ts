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
  lastCheckpoint: string | null;
}

const show = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf');

/** A NaN/Inf loss or gradient norm stops the run: continuing would only write NaN weights. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  constructor(readonly context: NonFiniteContext) {
    const { quantity, value, step, epoch, batch, lastCheckpoint } = context;
    super(`${quantity} is ${show(value)} at step ${step} (epoch ${epoch}, batch ${batch}); last good checkpoint: ${lastCheckpoint ?? 'none'}`);
  }
}
