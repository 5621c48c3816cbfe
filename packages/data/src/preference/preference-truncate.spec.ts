import { describe, expect, it } from 'vitest';
import { type PreferenceTruncation, noTruncation, truncateTurns } from './preference-truncate.js';

const seq = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);
const list = (t: Int32Array) => [...t];
const options = (o: Partial<PreferenceTruncation>): PreferenceTruncation => ({ maxLength: null, maxPromptLength: null, maxCompletionLength: null, truncationMode: 'keep_end', ...o });

describe('preference truncation (TRL’s max_length, max_prompt_length, max_completion_length, truncation_mode)', () => {
  const prompt = seq(100, 6);
  const chosen = seq(200, 3);
  const rejected = seq(300, 5);

  it('leaves what fits alone and counts nothing', () => {
    const counts = noTruncation();
    const out = truncateTurns(prompt, [chosen, rejected], options({ maxLength: 11 }), counts);
    expect(out!.prompt).toBe(prompt);
    expect(out!.completions).toEqual([chosen, rejected]);
    expect(counts).toEqual({ promptsTruncated: 0, completionsTruncated: 0, dropped: 0 });
  });

  it('keeps the prompt’s end and the completions’ start under their own limits', () => {
    const counts = noTruncation();
    const out = truncateTurns(prompt, [chosen, rejected], options({ maxPromptLength: 4, maxCompletionLength: 4 }), counts)!;
    expect(list(out.prompt)).toEqual([102, 103, 104, 105]);
    expect(out.completions.map(list)).toEqual([[200, 201, 202], [300, 301, 302, 303]]);
    expect(counts).toEqual({ promptsTruncated: 1, completionsTruncated: 1, dropped: 0 });
  });

  it('keep_end cuts the shared prompt’s start so the longest completion fits; keep_start cuts the completions’ ends', () => {
    const counts = noTruncation();
    const end = truncateTurns(prompt, [chosen, rejected], options({ maxLength: 8 }), counts)!;
    expect(list(end.prompt)).toEqual([103, 104, 105]);
    expect(end.completions).toEqual([chosen, rejected]);
    const start = truncateTurns(prompt, [chosen, rejected], options({ maxLength: 8, truncationMode: 'keep_start' }), counts)!;
    expect(start.prompt).toBe(prompt);
    expect(start.completions.map(list)).toEqual([[200, 201], [300, 301]]);
    expect(counts).toEqual({ promptsTruncated: 1, completionsTruncated: 1, dropped: 0 });
  });

  it('drops and counts what cannot fit with a prompt token and a completion token left', () => {
    const counts = noTruncation();
    expect(truncateTurns(prompt, [chosen, rejected], options({ maxLength: 5 }), counts)).toBeNull();
    expect(truncateTurns(prompt, [chosen], options({ maxLength: 6, truncationMode: 'keep_start' }), counts)).toBeNull();
    expect(counts).toEqual({ promptsTruncated: 0, completionsTruncated: 0, dropped: 2 });
  });
});
