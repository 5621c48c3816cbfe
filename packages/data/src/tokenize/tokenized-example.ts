import type { RecordSource } from '../errors.js';

/** Label value that cross-entropy ignores (PyTorch's `ignore_index`, which checkpoints and TRL assume). */
export const IGNORE_INDEX = -100;

/** One example as token ids and labels of the same length; labels are -100 where not trained. */
export interface TokenizedExample {
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
  /** The record it came from, so a batch that breaks training can be traced to a file and line. */
  readonly source?: RecordSource;
}

export function trainedTokenCount(example: TokenizedExample): number {
  let n = 0;
  for (const label of example.labels) if (label !== IGNORE_INDEX) n++;
  return n;
}
