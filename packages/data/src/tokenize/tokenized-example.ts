/** Label value that cross-entropy ignores (PyTorch's `ignore_index`, which checkpoints and TRL assume). */
export const IGNORE_INDEX = -100;

/** One example as token ids and labels of the same length; labels are -100 where not trained. */
export interface TokenizedExample {
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
}

export function trainedTokenCount(example: TokenizedExample): number {
  let n = 0;
  for (const label of example.labels) if (label !== IGNORE_INDEX) n++;
  return n;
}
