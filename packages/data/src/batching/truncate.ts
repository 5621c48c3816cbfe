import type { TokenizedExample } from '../tokenize/tokenized-example.js';

/** Which end loses tokens: 'right' keeps the start (the prompt), 'left' keeps the end (the answer). */
export type TruncationSide = 'right' | 'left';

export const TRUNCATION_SIDES: readonly TruncationSide[] = ['right', 'left'];

/** The example cut to `maxLength` tokens (the same object when it already fits). */
export function truncate(example: TokenizedExample, maxLength: number, side: TruncationSide): TokenizedExample {
  const n = example.inputIds.length;
  if (n <= maxLength) return example;
  const [from, to] = side === 'right' ? [0, maxLength] : [n - maxLength, n];
  return { inputIds: example.inputIds.subarray(from, to), labels: example.labels.subarray(from, to) };
}

export interface TruncateReport {
  readonly examples: TokenizedExample[];
  /** How many examples lost tokens. */
  readonly truncated: number;
}

export function truncateAll(examples: readonly TokenizedExample[], maxLength: number, side: TruncationSide): TruncateReport {
  let truncated = 0;
  const out = examples.map((example) => {
    const cut = truncate(example, maxLength, side);
    if (cut !== example) truncated++;
    return cut;
  });
  return { examples: out, truncated };
}
