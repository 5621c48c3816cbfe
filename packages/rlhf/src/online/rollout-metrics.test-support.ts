import { expect } from 'vitest';

/**
 * Each logged step of an online run (one rollout per optimizer step) has its rollout's timings:
 * sampling and scoring take time; the update time is the previous rollout's, so none before the first.
 */
export function expectTimings(logs: readonly Record<string, unknown>[]): void {
  expect(logs.length).toBeGreaterThan(1);
  for (const [i, log] of logs.entries()) {
    expect(log['timing/generation_s'], `step ${i + 1} generation`).toBeGreaterThan(0);
    expect(log['timing/scoring_s'], `step ${i + 1} scoring`).toBeGreaterThan(0);
    if (i === 0) expect(log['timing/update_s']).toBe(0);
    else expect(log['timing/update_s'], `step ${i + 1} update`).toBeGreaterThan(0);
  }
}
