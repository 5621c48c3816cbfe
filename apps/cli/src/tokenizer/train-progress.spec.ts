import { describe, expect, it } from 'vitest';
import { TrainProgressLine } from './train-progress.js';

/** A fake stderr and clock: what was written, and time moved by hand. */
function sink(isTTY: boolean) {
  const out = { isTTY, text: '', write: (s: string) => (out.text += s) };
  const clock = { ms: 0 };
  return { out, clock, line: new TrainProgressLine(out, () => clock.ms) };
}

describe('TrainProgressLine', () => {
  it('off a terminal, prints one line when counting ends and nothing else', () => {
    const { out, clock, line } = sink(false);
    line.update({ phase: 'count', bytes: 1e6, totalBytes: 3e6, words: 10 });
    clock.ms = 2500;
    line.update({ phase: 'count', bytes: 3e6, totalBytes: 3e6, words: 1234 });
    line.update({ phase: 'merge', vocabSize: 300, targetSize: 400 });
    line.update({ phase: 'merge', vocabSize: 400, targetSize: 400 });
    line.end();
    expect(out.text).toBe('counted 3.0 MB: 1,234 distinct words in 0:03\n');
  });

  it('on a terminal, redraws one line at most every 100 ms and at each new phase, then clears it', () => {
    const { out, clock, line } = sink(true);
    line.update({ phase: 'count', bytes: 1e6, totalBytes: 4e6, words: 10 });
    clock.ms = 50;
    line.update({ phase: 'count', bytes: 2e6, totalBytes: 4e6, words: 20 });
    clock.ms = 1000;
    line.update({ phase: 'count', bytes: 4e6, totalBytes: 4e6, words: 30 });
    line.update({ phase: 'merge', vocabSize: 300, targetSize: 400 });
    line.end();
    expect(out.text.split('\r\x1b[2K')).toEqual([
      '',
      'counting words: 1.0/4.0 MB (25%)  1000.0 MB/s  10 distinct',
      'counting words: 4.0/4.0 MB (100%)  4.0 MB/s  30 distinct',
      'counted 4.0 MB: 30 distinct words in 0:01\n',
      'merging: 300/400 tokens (75%)  0:01',
      '',
    ]);
  });
});
