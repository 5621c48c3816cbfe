import type { HostTensor } from '../host-tensor.js';

/**
 * What every comparison against a reference fixture (transformers, PEFT) shares, whichever
 * package's specs make it: one error measure, one way to report it, one reader of id rows.
 */

/** The one error measure of every golden comparison: max|a − b| / max|b| over the compared elements. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`relativeError: ${got.length} values against ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  // NaN in either side must fail, not compare as 0.
  return Number.isNaN(diff) ? Number.NaN : diff / scale;
}

/** Set TUNEKIT_GOLDEN_REPORT=1 to print every measured error (for reports; the assertions do not depend on it). */
export function reportGoldenError(what: string, err: number): number {
  if (process.env.TUNEKIT_GOLDEN_REPORT) console.log(`golden ${what}: ${err.toExponential(2)}`);
  return err;
}

/** Integer tensors (i64 ids, masks, positions) as rows of numbers. */
export function rowsOf(t: HostTensor): number[][] {
  const [b, n] = t.shape;
  const flat = Array.from(t.data as ArrayLike<number | bigint>, Number);
  return Array.from({ length: b }, (_, i) => flat.slice(i * n, (i + 1) * n));
}
