import { describe, expect, it } from 'vitest';
import { BYTE_ALPHABET, toByteChars } from './byte-alphabet.js';
import { trainBpe } from './bpe.trainer.js';

/**
 * The textbook algorithm, kept obviously correct: recount every pair of every word after each
 * merge, take the highest count (ties: smaller "left right" string), rewrite every word.
 */
function referenceMerges(words: ReadonlyMap<string, number>, maxTokens: number): [string, string][] {
  const state = [...words].map(([w, n]) => ({ symbols: [...toByteChars(w)], n }));
  const vocab = new Set(BYTE_ALPHABET);
  const merges: [string, string][] = [];
  while (vocab.size < maxTokens) {
    const counts = new Map<string, number>();
    for (const { symbols, n } of state) for (let i = 0; i + 1 < symbols.length; i++) counts.set(`${symbols[i]} ${symbols[i + 1]}`, (counts.get(`${symbols[i]} ${symbols[i + 1]}`) ?? 0) + n);
    const best = [...counts].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))[0];
    if (best === undefined) break;
    const [a, b] = best[0].split(' ');
    merges.push([a, b]);
    vocab.add(a + b);
    for (const word of state) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === a && word.symbols[i + 1] === b) out.push(a + b), i++;
        else out.push(word.symbols[i]);
      }
      word.symbols = out;
    }
  }
  return merges;
}

/** A seeded random corpus over a small alphabet, so pairs repeat, overlap ("aaa") and tie often. */
function randomWords(seed: number, alphabet: readonly string[], count: number): Map<string, number> {
  let s = seed;
  // The high bits: an LCG's low bits repeat with short periods.
  const next = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), (s >>> 16) % n);
  const words = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const word = Array.from({ length: 1 + next(9) }, () => alphabet[next(alphabet.length)]).join('');
    words.set(word, (words.get(word) ?? 0) + 1 + next(5));
  }
  return words;
}

const merged = (words: Record<string, number>, vocabSize: number, specialTokens?: string[]) =>
  trainBpe(new Map(Object.entries(words)), { vocabSize, specialTokens }).merges.map(([a, b]) => `${a} ${b}`);

describe('trainBpe', () => {
  // Pair counts by hand: ug 20 (hug 10 + pug 5 + hugs 5), pu 17, un 16 (pun 12 + bun 4), hu 15, gs 5, bu 4.
  // 1. u+g (20). Then h·ug 15, u·n 16, p·u 12 (pun only), p·ug 5, ug·s 5, b·u 4.
  // 2. u+n (16). Then h·ug 15, p·un 12, p·ug 5, ug·s 5, b·un 4.
  // 3. h+ug (15). hugs is now hug·s: hug·s 5.
  // 4. p+un (12). Left: p·ug 5, hug·s 5, b·un 4.
  // 5. hug+s (5): ties p·ug at 5 and "hug" < "p". 6. p+ug (5). 7. b+un (4). Then every word is one token.
  const HUGS = { hug: 10, pug: 5, pun: 12, bun: 4, hugs: 5 };

  it('learns merges in the order worked out by hand', () => {
    expect(merged(HUGS, 10_000)).toEqual(['u g', 'u n', 'h ug', 'p un', 'hug s', 'p ug', 'b un']);
  });

  it('stops at the vocabulary size, counting the special tokens and the 256 bytes', () => {
    const model = trainBpe(new Map(Object.entries(HUGS)), { vocabSize: 256 + 2 + 3, specialTokens: ['<s>', '</s>'] });
    expect(model.merges.map(([a, b]) => a + b)).toEqual(['ug', 'un', 'hug']);
    expect(model.tokens).toHaveLength(261);
    expect(model.tokens.slice(0, 3)).toEqual(['<s>', '</s>', '!']);
    expect(model.tokens.slice(258)).toEqual(['ug', 'un', 'hug']);
  });

  it('stops early when every word is a single token', () => {
    const model = trainBpe(new Map(Object.entries(HUGS)), { vocabSize: 10_000 });
    expect(model.tokens).toHaveLength(256 + 7);
  });

  it('spells tokens in the byte-level alphabet: a space is Ġ, é is two bytes', () => {
    expect(merged({ ' é': 3 }, 10_000)).toEqual(['Ã ©', 'Ġ Ã©']);
  });

  it('breaks ties by the code points of the spelt tokens, not by bytes or by insertion order', () => {
    // Both pairs count 1. As bytes " " (0x20) < "z", but spelt " " is "Ġ" (U+0120) > "z".
    expect(merged({ ' a': 1, za: 1 }, 257)).toEqual(['z a']);
    expect(merged({ za: 1, ' a': 1 }, 257)).toEqual(['z a']);
    expect(merged({ cd: 1, ab: 1 }, 10_000)).toEqual(['a b', 'c d']);
  });

  it('counts overlapping pairs as the words hold them and merges left to right', () => {
    // aaa: a·a twice per word, 4 in all; merged left to right it is aa·a, so aa·a counts 2.
    expect(merged({ aaa: 2 }, 10_000)).toEqual(['a a', 'aa a']);
    // aaaa: a·a 3 times; merging gives aa·aa.
    expect(merged({ aaaa: 1 }, 10_000)).toEqual(['a a', 'aa aa']);
  });

  it('matches the textbook algorithm (recount everything after each merge) on random corpora', () => {
    for (const [seed, alphabet] of [
      [1, ['a', 'b']],
      [2, ['a', 'b', 'c', ' ']],
      [3, ['x', 'y', 'é', '東', '😀', '\n']],
    ] as const) {
      const words = randomWords(seed, alphabet, 400);
      const expected = referenceMerges(words, 256 + 150);
      expect(expected.length).toBeGreaterThan(50);
      expect(trainBpe(words, { vocabSize: 256 + 150 }).merges).toEqual(expected);
    }
  });

  it('gives the same merges whatever order the words come in', () => {
    const words = randomWords(7, ['a', 'b', 'c'], 300);
    const reversed = new Map([...words].reverse());
    expect(trainBpe(reversed, { vocabSize: 400 })).toEqual(trainBpe(words, { vocabSize: 400 }));
  });

  it('never merges into the spelling of a special token, whose id would decode to its literal text', () => {
    // " hi": h·i and Ġ·h tie at 5, "h" < "Ġ"; then Ġ·hi would spell the special token "Ġhi".
    const model = trainBpe(new Map([[' hi', 5]]), { vocabSize: 10_000, specialTokens: ['Ġhi'] });
    expect(model.merges).toEqual([['h', 'i']]);
    expect(new Set(model.tokens).size).toBe(model.tokens.length);
  });

  it('refuses special tokens that repeat or that are byte characters', () => {
    expect(() => trainBpe(new Map(), { vocabSize: 300, specialTokens: ['<s>', '<s>'] })).toThrow(/must differ/);
    expect(() => trainBpe(new Map(), { vocabSize: 300, specialTokens: ['a'] })).toThrow(/must differ/);
  });
});
