import type { ChatTokenizer } from './chat-tokenizer.js';
import type { CharSpan } from './assistant-spans.js';

export interface SpanTokens {
  readonly ids: number[];
  /** 1 where the token lies in a span. */
  readonly inSpan: Uint8Array;
}

/**
 * Tokenizes `text` and marks the tokens of `spans` (sorted, disjoint). Tokenizing the pieces
 * between span boundaries in order maps spans to tokens exactly; that is used whenever it gives
 * the same ids as tokenizing the whole text (true at the boundaries chat templates produce, where a
 * special token or a newline splits the text anyway). Otherwise the whole text's ids are kept, since
 * they are what the model sees at inference, and tokens are mapped to characters by decoding
 * prefixes: a token is in a span when its characters overlap it.
 */
export function tokenizeSpans(text: string, spans: readonly CharSpan[], tokenizer: ChatTokenizer): SpanTokens {
  const whole = tokenizer.encode(text, { addSpecialTokens: false });
  const pieces = piecewise(text, spans, tokenizer);
  if (sameIds(pieces.ids, whole)) return pieces;
  return byOffsets(text, whole, spans, tokenizer);
}

function piecewise(text: string, spans: readonly CharSpan[], tokenizer: ChatTokenizer): SpanTokens {
  const ids: number[] = [];
  const flags: number[] = [];
  let at = 0;
  const take = (end: number, flag: number): void => {
    if (end <= at) return;
    for (const id of tokenizer.encode(text.slice(at, end), { addSpecialTokens: false })) {
      ids.push(id);
      flags.push(flag);
    }
    at = end;
  };
  for (const span of spans) {
    take(span.start, 0);
    take(span.end, 1);
  }
  take(text.length, 0);
  return { ids, inSpan: Uint8Array.from(flags) };
}

function byOffsets(text: string, ids: number[], spans: readonly CharSpan[], tokenizer: ChatTokenizer): SpanTokens {
  if (tokenizer.decode(ids) !== text) {
    throw new Error('the tokenizer does not decode the rendered conversation back to the same text, so assistant spans cannot be mapped to tokens');
  }
  // decodedLength(k): characters covered by the first k tokens; non-decreasing in k.
  const cache = new Map<number, number>([[0, 0]]);
  const decodedLength = (k: number): number => {
    let n = cache.get(k);
    if (n === undefined) cache.set(k, (n = tokenizer.decode(ids.slice(0, k)).length));
    return n;
  };
  const inSpan = new Uint8Array(ids.length);
  for (const { start, end } of spans) {
    const first = lowestIndex(ids.length, (j) => decodedLength(j + 1) > start);
    const stop = lowestIndex(ids.length, (j) => decodedLength(j) >= end);
    inSpan.fill(1, first, stop);
  }
  return { ids, inSpan };
}

/** Smallest j in [0, n] with pred(j) true, for a predicate that is false then true. */
function lowestIndex(n: number, pred: (j: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
