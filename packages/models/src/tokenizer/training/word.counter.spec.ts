import { describe, expect, it } from 'vitest';
import { compilePreTokenizer } from './pre-tokenizer.patterns.js';
import { WordCounter } from './word.counter.js';

const counted = (counter: WordCounter) => Object.fromEntries([...counter.counts].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('WordCounter', () => {
  it('counts the pre-tokens of every text added', () => {
    const counter = new WordCounter(compilePreTokenizer('llama3'));
    counter.add('the cat and the hat');
    counter.add('The cat!\n');
    expect(counted(counter)).toEqual({ ' and': 1, ' cat': 2, ' hat': 1, ' the': 1, '!\n': 1, The: 1, the: 1 });
    expect(counter.preTokens).toBe(8);
  });

  it('cuts special tokens out and counts the text on either side separately', () => {
    const counter = new WordCounter(compilePreTokenizer('llama3'), ['<|endoftext|>', '<|im_start|>']);
    counter.add('end.<|endoftext|>Next<|im_start|><|endoftext|> one');
    // Without the cut, "." and "<|" would be one piece and "Next" would not start a piece.
    expect(counted(counter)).toEqual({ ' one': 1, '.': 1, Next: 1, end: 1 });
  });

  it('cuts the longer of two overlapping special tokens whole', () => {
    const counter = new WordCounter(compilePreTokenizer('gpt2'), ['<a>', '<a><b>']);
    counter.add('x<a><b>y<a>z');
    expect(counted(counter)).toEqual({ x: 1, y: 1, z: 1 });
  });

  it('keeps counting long words and lone surrogates under one key across texts', () => {
    const counter = new WordCounter(compilePreTokenizer('gpt2'));
    const long = ' internationalization';
    const lone = ' \ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800\ud800';
    for (let i = 0; i < 3; i++) counter.add(`${long}${long}${lone}`);
    expect(counter.counts.get(long)).toBe(6);
    expect(counter.counts.get(lone)).toBe(3);
    expect(counter.counts.size).toBe(2);
  });
});
