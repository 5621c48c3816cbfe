import { describe, expect, it } from 'vitest';
import { globToRegExp, isGlob } from './glob-match.js';

describe('globToRegExp (Python fnmatch, as huggingface_hub allow_patterns)', () => {
  it.each([
    ['*.json', 'config.json', true],
    ['*.json', 'sub/dir/config.json', true], // fnmatch's * crosses folders
    ['*.json', 'config.json.bak', false],
    ['model-?????-of-00002.safetensors', 'model-00001-of-00002.safetensors', true],
    ['data/', 'data/train-00000.parquet', true],
    ['data/', 'database.csv', false],
    ['[!.]*', '.gitattributes', false],
    ['[ab].txt', 'b.txt', true],
    ['file(1).txt', 'file(1).txt', true],
    ['a+b.txt', 'aab.txt', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected);
  });

  it('tells plain names from patterns', () => {
    expect(isGlob('config.json')).toBe(false);
    expect(isGlob('*.json')).toBe(true);
    expect(isGlob('data/')).toBe(true);
  });
});
