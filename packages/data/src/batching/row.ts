import type { RecordSource } from '../errors.js';
import type { TokenizedExample } from '../tokenize/tokenized-example.js';

/**
 * One row of a batch before padding: one example, or several packed together. `documentIds` says
 * which document (1, 2, ...) each token belongs to; tokens attend only within their document, and
 * position ids restart at 0 for each, so a packed row trains exactly like its documents apart.
 */
export interface Row {
  readonly inputIds: Int32Array;
  readonly labels: Int32Array;
  readonly positionIds: Int32Array;
  readonly documentIds: Int32Array;
  /** The record of its first document (absent for examples built in code). */
  readonly source?: RecordSource;
}

export function rowOf(example: TokenizedExample): Row {
  const n = example.inputIds.length;
  return {
    inputIds: example.inputIds,
    labels: example.labels,
    positionIds: Int32Array.from({ length: n }, (_, i) => i),
    documentIds: new Int32Array(n).fill(1),
    ...(example.source ? { source: example.source } : {}),
  };
}
