import { describe, expect, it } from 'vitest';
import { closestName, levenshtein } from './did-you-mean.js';

describe('did-you-mean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('lora_alpha', 'lora_alpha')).toBe(0);
  });

  it('suggests only plausible typos', () => {
    const known = ['learning_rate', 'lr_scheduler_type', 'max_steps'];
    expect(closestName('lerning_rate', known)).toBe('learning_rate');
    expect(closestName('MAX_STEPS', known)).toBe('max_steps');
    expect(closestName('batch', known)).toBeNull();
  });
});
