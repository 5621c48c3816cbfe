import { describe, expect, it } from 'vitest';
import { stoppingCriteria } from './stopping.js';

describe('stoppingCriteria', () => {
  const stop = stoppingCriteria({ eosTokenIds: [2, 7], stopStrings: ['END', '\n\n'], maxNewTokens: 5 });
  const row = (token: number, generatedCount: number, text = '', previousTextLength = 0) => ({ token, generatedCount, text, previousTextLength });

  it('stops on any of several EOS ids, even on the last allowed token', () => {
    expect(stop(row(7, 1))).toBe('eos');
    expect(stop(row(2, 5))).toBe('eos');
    expect(stop(row(3, 1))).toBeNull();
  });

  it('finds a stop string completed across the boundary of the newest text', () => {
    expect(stop(row(3, 2, 'the EN', 4))).toBeNull();
    expect(stop(row(3, 3, 'the END', 6))).toBe('stop_string');
    expect(stop(row(3, 3, 'a\n\nb', 2))).toBe('stop_string');
  });

  it('does not stop again on a stop string that lies wholly in older text', () => {
    expect(stop(row(3, 3, 'END and more', 8))).toBeNull();
  });

  it('stops at maxNewTokens', () => {
    expect(stop(row(3, 4))).toBeNull();
    expect(stop(row(3, 5))).toBe('length');
  });
});
