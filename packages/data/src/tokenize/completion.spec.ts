import { beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { tokenizeCompletion, tokenizeText } from './completion.js';
import { IGNORE_INDEX } from './tokenized-example.js';

describe('completion and text tokenization', () => {
  let tokenizer: Qwen3TestTokenizer;
  beforeAll(async () => (tokenizer = await Qwen3TestTokenizer.load()));

  it('masks the prompt and trains the completion followed by eos', () => {
    const prompt = tokenizer.encode('The capital of France is');
    const example = tokenizeCompletion('The capital of France is', ' Paris.', tokenizer);
    expect(tokenizer.decode([...example.inputIds])).toBe('The capital of France is Paris.<|im_end|>');
    expect([...example.labels.subarray(0, prompt.length)].every((l) => l === IGNORE_INDEX)).toBe(true);
    expect(tokenizer.decode([...example.labels.subarray(prompt.length)])).toBe(' Paris.<|im_end|>');
  });

  it('trains the prompt too with trainOnInputs', () => {
    const example = tokenizeCompletion('Q:', ' A', tokenizer, true);
    expect([...example.labels]).toEqual([...example.inputIds]);
  });

  it('trains all of a text and appends eos', () => {
    const example = tokenizeText('Once upon a time', tokenizer);
    expect(tokenizer.decode([...example.labels])).toBe('Once upon a time<|im_end|>');
    expect(example.inputIds[example.inputIds.length - 1]).toBe(tokenizer.eosTokenId);
  });
});
