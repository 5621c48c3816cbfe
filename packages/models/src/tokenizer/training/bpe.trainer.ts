import { BYTE_TO_CHAR } from '../byte-level-bpe.js';
import { BYTE_ALPHABET, encodeUtf8 } from './byte-alphabet.js';
import { PairQueue } from './pair.queue.js';

export interface BpeTrainerOptions {
  /** Tokens wanted in all: special tokens, the 256 bytes and the merged tokens. */
  readonly vocabSize: number;
  /** Given ids 0, 1, ... in this order; never merged with anything. */
  readonly specialTokens?: readonly string[];
  /** Called after each merge with the vocabulary size so far. */
  readonly onMerge?: (vocabSize: number) => void;
}

/** A trained byte-level BPE model, its tokens spelt in the byte-level alphabet. */
export interface BpeModel {
  /** The vocabulary in id order: special tokens, the 256 byte characters (BYTE_ALPHABET), then merged tokens. */
  readonly tokens: readonly string[];
  /** In the order learnt, which is the order encoding applies them. */
  readonly merges: readonly (readonly [string, string])[];
}

/** Ids stay below this, so a pair (a, b) is the exact number a * PAIR_BASE + b. */
const PAIR_BASE = 2 ** 24;
export const MAX_VOCAB_SIZE = PAIR_BASE;

/** A live pair: its weighted count and the words that may contain it (some no longer do). */
class Pair {
  count = 0;
  words = new Int32Array(4);
  size = 0;
  /** The last word added to `words`, so a word with the pair twice is listed once per visit. */
  lastWord = -1;
  /** The step that last added to the count, so each pair is queued once per step. */
  grownAt = -1;
  /** Merging it would spell a special token (see below): counted, never merged. */
  banned = false;

  addWord(w: number): void {
    if (this.lastWord === w) return;
    this.lastWord = w;
    if (this.size === this.words.length) {
      const grown = new Int32Array(this.size * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.size++] = w;
  }
}

/**
 * Learns byte-level BPE merges from word counts, as GPT-2's and Hugging Face's trainers do:
 * repeatedly merge the pair of adjacent tokens with the highest count over all words (a word
 * counting as often as it occurs), until the vocabulary has `vocabSize` tokens or no pair is left.
 *
 * Ties go to the pair whose (left, right) token strings come first in code-point order, comparing
 * the left strings first (the same as comparing "left right", since the space is not a byte
 * character). Hugging Face's trainer compares ids instead, which agree with this for the 256 byte
 * tokens (it numbers them in code-point order too) but follow creation order for merged ones.
 * Either way the merges are a function of the word counts alone, never of the order words come in.
 *
 * Each merge updates the pair counts of the words that contain the pair only (found through a
 * pair → words index), and the next pair comes from a lazily updated max-heap, so a merge costs
 * in proportion to the words it touches, not to the corpus.
 */
export function trainBpe(words: ReadonlyMap<string, number>, options: BpeTrainerOptions): BpeModel {
  const specialTokens = options.specialTokens ?? [];
  const tokens: string[] = [...specialTokens, ...BYTE_ALPHABET];
  const idOf = new Map(tokens.map((t, i) => [t, i]));
  if (idOf.size !== tokens.length) throw new Error(`special tokens must differ from each other and from the 256 byte characters: ${JSON.stringify(specialTokens)}`);
  if (options.vocabSize > MAX_VOCAB_SIZE) throw new RangeError(`vocabulary size ${options.vocabSize} is over the limit of ${MAX_VOCAB_SIZE}`);
  const byteId = Int32Array.from(BYTE_TO_CHAR, (c) => idOf.get(c)!);

  // ---- words as id sequences, stored end to end; a merge shortens a word in place ----
  const wordCount = new Float64Array(words.size);
  const wordStart = new Int32Array(words.size);
  const wordLength = new Int32Array(words.size);
  let totalBytes = 0;
  for (const word of words.keys()) totalBytes += Buffer.byteLength(word, 'utf8');
  const bytes = new Uint8Array(totalBytes);
  const symbols = new Int32Array(totalBytes);
  let w = 0;
  let at = 0;
  for (const [word, count] of words) {
    // Counts must be exact for `remove` to know when a pair is gone.
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`word ${JSON.stringify(word)} has count ${count}; counts must be positive integers`);
    const n = encodeUtf8(word, bytes, at);
    for (let i = at; i < at + n; i++) symbols[i] = byteId[bytes[i]];
    wordCount[w] = count;
    wordStart[w] = at;
    wordLength[w] = n;
    at += n;
    w++;
  }

  // ---- pair counts and the pair → words index ----
  const pairs = new Map<number, Pair>();
  /** Pairs whose count grew this step: they go (back) into the queue once the step is done. */
  const grown: number[] = [];
  let step = 0;
  const add = (key: number, word: number, count: number): void => {
    let pair = pairs.get(key);
    if (pair === undefined) pairs.set(key, (pair = new Pair()));
    pair.count += count;
    pair.addWord(word);
    if (pair.grownAt !== step) {
      pair.grownAt = step;
      grown.push(key);
    }
  };
  const remove = (key: number, count: number): void => {
    const pair = pairs.get(key)!;
    pair.count -= count;
    // No word holds it any more (counts are sums of positive integers, so exact).
    if (pair.count === 0) pairs.delete(key);
  };
  for (let word = 0; word < words.size; word++) {
    const start = wordStart[word];
    const end = start + wordLength[word];
    for (let i = start; i + 1 < end; i++) add(symbols[i] * PAIR_BASE + symbols[i + 1], word, wordCount[word]);
  }

  const before = (countA: number, keyA: number, countB: number, keyB: number): boolean => {
    if (countA !== countB) return countA > countB;
    const leftA = tokens[Math.floor(keyA / PAIR_BASE)];
    const leftB = tokens[Math.floor(keyB / PAIR_BASE)];
    if (leftA !== leftB) return leftA < leftB;
    return tokens[keyA % PAIR_BASE] < tokens[keyB % PAIR_BASE];
  };
  const queue = new PairQueue(before);
  const queueGrown = (): void => {
    for (const key of grown) {
      const pair = pairs.get(key);
      if (pair !== undefined) queue.push(pair.count, key);
    }
    grown.length = 0;
  };
  queueGrown();

  // ---- merging ----
  const merges: [string, string][] = [];
  const visited = new Int32Array(words.size);
  while (idOf.size < options.vocabSize && queue.pop()) {
    const { count, key } = queue;
    const pair = pairs.get(key);
    if (pair === undefined || pair.banned) continue;
    // A count lower than queued: requeue it as it is now. Higher: a fresher entry is queued already.
    if (pair.count !== count) {
      if (pair.count < count) queue.push(pair.count, key);
      continue;
    }
    const a = Math.floor(key / PAIR_BASE);
    const b = key % PAIR_BASE;
    const text = tokens[a] + tokens[b];
    // No two merges spell the same token: the merges that build a token happen inside it, so they
    // do not depend on the word around it. A merge can spell a special token written in byte
    // characters ("Ġhi" is " hi"), though, and that id decodes to its literal text: never merge it.
    if (idOf.has(text)) {
      pair.banned = true;
      continue;
    }
    const x = tokens.length;
    tokens.push(text);
    idOf.set(text, x);
    merges.push([tokens[a], tokens[b]]);
    pairs.delete(key);
    step++;

    for (let k = 0; k < pair.size; k++) {
      const word = pair.words[k];
      if (visited[word] === step) continue;
      visited[word] = step;
      const start = wordStart[word];
      const end = start + wordLength[word];
      const count = wordCount[word];
      let out = start;
      for (let r = start; r < end; ) {
        if (symbols[r] !== a || r + 1 === end || symbols[r + 1] !== b) {
          symbols[out++] = symbols[r++];
          continue;
        }
        // Only the neighbours change: (prev, a) becomes (prev, x) and (b, next) becomes (x, next).
        // prev may be an x written just before, which undoes the (x, a) added then.
        if (out > start) {
          const prev = symbols[out - 1];
          if (prev * PAIR_BASE + a !== key) remove(prev * PAIR_BASE + a, count);
          add(prev * PAIR_BASE + x, word, count);
        }
        if (r + 2 < end) {
          const next = symbols[r + 2];
          if (b * PAIR_BASE + next !== key) remove(b * PAIR_BASE + next, count);
          add(x * PAIR_BASE + next, word, count);
        }
        symbols[out++] = x;
        r += 2;
      }
      wordLength[word] = out - start;
    }
    queueGrown();
    options.onMerge?.(idOf.size);
  }
  return { tokens, merges };
}
