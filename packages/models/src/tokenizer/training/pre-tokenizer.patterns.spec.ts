import { describe, expect, it } from 'vitest';
import { BOUNDARY_ALPHABET, TRICKY_TEXTS, randomText } from './training.fixtures.js';
import { PRE_TOKENIZER_NAMES, compilePreTokenizer, referencePreTokenize } from './pre-tokenizer.patterns.js';

const split = (re: RegExp, text: string) => text.match(re) ?? [];

describe('pre-tokenizer patterns', () => {
  it('split as tiktoken does for Llama 3: case-insensitive contractions, digits in threes', () => {
    expect(split(compilePreTokenizer('llama3'), "I'LL 12345 don't")).toEqual(['I', "'LL", ' ', '123', '45', ' don', "'t"]);
    expect(split(compilePreTokenizer('llama3'), 'ok!!\n x')).toEqual(['ok', '!!\n', ' x']);
  });

  it('split as GPT-2 does: lower-case contractions only, digit runs whole', () => {
    expect(split(compilePreTokenizer('gpt2'), "I'LL 12345 don't")).toEqual(['I', "'", 'LL', ' 12345', ' don', "'t"]);
    expect(split(compilePreTokenizer('gpt2'), 'ok!!\n x')).toEqual(['ok', '!!', '\n', ' x']);
  });

  it.each(PRE_TOKENIZER_NAMES)('%s: matching covers every character and agrees with the tokenizer library', (name) => {
    const re = compilePreTokenizer(name);
    const texts = [...TRICKY_TEXTS, ...Array.from({ length: 50 }, (_, i) => randomText(i + 1, BOUNDARY_ALPHABET, 80))];
    for (const text of texts) {
      const pieces = split(re, text);
      expect(pieces.join('')).toBe(text);
      expect(pieces).toEqual(referencePreTokenize(name, text).filter((p) => p !== ''));
    }
  });
});
