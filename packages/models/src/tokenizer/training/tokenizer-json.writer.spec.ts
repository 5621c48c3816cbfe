import { describe, expect, it } from 'vitest';
import { trainBpe } from './bpe.trainer.js';
import { PRE_TOKENIZER_PATTERNS } from './pre-tokenizer.patterns.js';
import { tokenizerConfigOf, tokenizerJsonOf } from './tokenizer-json.writer.js';

const words = new Map([
  ['hug', 10],
  [' hug', 4],
]);

describe('tokenizerJsonOf', () => {
  const specialTokens = ['<|endoftext|>', '<pad>'];
  const json = tokenizerJsonOf({ model: trainBpe(words, { vocabSize: 260, specialTokens }), specialTokens, preTokenizer: 'gpt2' }) as {
    added_tokens: { id: number; content: string; special: boolean; normalized: boolean }[];
    normalizer: unknown;
    pre_tokenizer: { type: string; pretokenizers: Record<string, unknown>[] };
    model: { type: string; vocab: Record<string, number>; merges: string[][]; byte_fallback: boolean };
  };

  it('is a byte-level BPE model: special tokens, then bytes in GPT-2 order, then merges', () => {
    expect(json.model.type).toBe('BPE');
    expect(json.model.byte_fallback).toBe(false);
    // h·u and u·g both count 14 (hug 10 + " hug" 4): "h" < "u" goes first.
    expect(json.model.merges).toEqual([
      ['h', 'u'],
      ['hu', 'g'],
    ]);
    const vocab = json.model.vocab;
    expect(Object.keys(vocab)).toHaveLength(260);
    expect([vocab['<|endoftext|>'], vocab['<pad>'], vocab['!'], vocab['ÿ'], vocab['Ā'], vocab['Ġ'], vocab['hu'], vocab['hug']]).toEqual([0, 1, 2, 189, 190, 222, 258, 259]);
  });

  it('splits with the chosen regex, then maps bytes, and never normalizes', () => {
    expect(json.normalizer).toBeNull();
    expect(json.pre_tokenizer.type).toBe('Sequence');
    expect(json.pre_tokenizer.pretokenizers).toEqual([
      { type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERNS.gpt2 }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ]);
  });

  it('lists the special tokens as unnormalized special added tokens', () => {
    expect(json.added_tokens.map(({ id, content, special, normalized }) => [id, content, special, normalized])).toEqual([
      [0, '<|endoftext|>', true, false],
      [1, '<pad>', true, false],
    ]);
  });
});

describe('tokenizerConfigOf', () => {
  it('gives the first special token the BOS, EOS and pad roles when there is no chat template', () => {
    const specialTokens = ['<|endoftext|>', '<|sep|>'];
    const config = tokenizerConfigOf({ model: trainBpe(words, { vocabSize: 258, specialTokens }), specialTokens, preTokenizer: 'llama3' });
    expect(config).toMatchObject({ bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', additional_special_tokens: ['<|sep|>'] });
    expect(config.clean_up_tokenization_spaces).toBe(false);
    expect(config).not.toHaveProperty('chat_template');
    expect(Object.keys(config.added_tokens_decoder as object)).toEqual(['0', '1']);
  });

  it('leaves BOS and padding unset when the only special tokens are the chat template own', () => {
    const specialTokens = ['<|im_start|>', '<|im_end|>'];
    const config = tokenizerConfigOf({ model: trainBpe(words, { vocabSize: 258, specialTokens }), specialTokens, preTokenizer: 'llama3', chatTemplate: 'chatml' });
    expect(config).toMatchObject({ bos_token: null, eos_token: '<|im_end|>', pad_token: null, additional_special_tokens: ['<|im_start|>'] });
    expect(config.chat_template).toContain('<|im_start|>');
  });
});
