import { describe, expect, it } from 'vitest';
import { ScoringProgress } from './scoring-progress.js';

const recorder = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { out: { isTTY, write: (s: string) => chunks.push(s) }, chunks };
};

describe('ScoringProgress', () => {
  it('redraws one line in place on a terminal and clears it at the end', () => {
    const { out, chunks } = recorder(true);
    const p = new ScoringProgress('exact_match', out, () => 0);
    p.update(8, 20, 3);
    p.update(20, 20, 9);
    p.end();
    expect(chunks).toEqual(['\r\x1b[2Kscoring exact_match: 8/20 (40%)  3 correct  0:00', '\r\x1b[2Kscoring exact_match: 20/20 (100%)  9 correct  0:00', '\r\x1b[2K']);
  });

  it('writes plain lines at each quarter off a terminal, and nothing to clear', () => {
    const { out, chunks } = recorder(false);
    const p = new ScoringProgress('contains', out, () => 0);
    for (let done = 4; done <= 40; done += 4) p.update(done, 40, done / 2);
    p.end();
    expect(chunks.map((c) => c.trim().split('  ')[0])).toEqual(['scoring contains: 12/40 (30%)', 'scoring contains: 24/40 (60%)', 'scoring contains: 36/40 (90%)', 'scoring contains: 40/40 (100%)']);
    for (const c of chunks) expect(c).not.toContain('\r');
  });
});
