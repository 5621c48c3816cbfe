import type { ChatMessage, PromptRecord } from '@tunekit/data';
import type { RewardInputs } from './reward-functions.js';
import type { Rollout } from './rollout.js';

/**
 * A rollout as reward functions receive it (TRL's call): one entry per completion, each prompt
 * and each of its record's other columns repeated for its `numGenerations` completions; a
 * conversational prompt's completion is `[{role: 'assistant', content}]`.
 */
export function rewardInputs(prompts: readonly PromptRecord[], rollout: Rollout, numGenerations: number): RewardInputs {
  const recordOf = (row: number) => prompts[Math.floor(row / numGenerations)];
  const rows = rollout.completions.map((_, row) => recordOf(row));
  const columns: Record<string, unknown[]> = {};
  for (const key of new Set(prompts.flatMap((p) => Object.keys(p.columns)))) columns[key] = rows.map((p) => p.columns[key] ?? null);
  const completions = rollout.completions.map((text, row): string | ChatMessage[] => (typeof rows[row].prompt === 'string' ? text : [{ role: 'assistant', content: text }]));
  return { ...columns, prompts: rows.map((p) => p.prompt), completions, completionIds: rollout.completionIds };
}
