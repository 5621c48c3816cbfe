import { describe, expect, it } from 'vitest';
import { PRE_TOKENIZER_NAMES, compilePreTokenizer } from './pre-tokenizer.patterns.js';
import { forcedCut, lastSafeCut } from './text-chunk.cut.js';
import { BOUNDARY_ALPHABET, randomText } from './training.fixtures.js';

const split = (re: RegExp, text: string) => text.match(re) ?? [];

describe('lastSafeCut', () => {
  it('cuts before a space after a word, or after a newline between two non-spaces', () => {
    expect(lastSafeCut('one two')).toBe(3);
    expect(lastSafeCut('one.\nTwo')).toBe(5);
    expect(lastSafeCut('ab  ')).toBe(2);
    expect(lastSafeCut('abc')).toBe(0);
  });

  it('does not cut after a newline that follows a space, where GPT-2 would split differently', () => {
    const gpt2 = compilePreTokenizer('gpt2');
    const text = 'a  \nX';
    // Cutting at 4 (after "\n") would turn the whole text's "  " + "\n" into one "  \n" piece.
    expect([...split(gpt2, text.slice(0, 4)), ...split(gpt2, text.slice(4))]).not.toEqual(split(gpt2, text));
    expect(lastSafeCut(text)).toBe(1);
  });

  it.each(PRE_TOKENIZER_NAMES)('%s: pre-tokenizing both sides of any cut it picks gives the pieces of the whole text', (name) => {
    const re = compilePreTokenizer(name);
    let cuts = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const text = randomText(seed, BOUNDARY_ALPHABET, 120);
      const whole = split(re, text);
      for (let end = 2; end <= text.length; end++) {
        const cut = lastSafeCut(text.slice(0, end));
        if (cut === 0) continue;
        cuts++;
        expect([...split(re, text.slice(0, cut)), ...split(re, text.slice(cut))]).toEqual(whole);
      }
    }
    expect(cuts).toBeGreaterThan(1000);
  });
});

describe('forcedCut', () => {
  it('never splits a surrogate pair', () => {
    expect(forcedCut('ab😀')).toBe(4);
    expect(forcedCut('ab😀'.slice(0, 3))).toBe(2);
  });
});
