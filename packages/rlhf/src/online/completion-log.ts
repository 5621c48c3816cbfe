import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PromptRecord } from '@tunekit/data';
import type { Reward } from './advantages.js';
import type { Rollout } from './rollout.js';
import type { RolloutPlace } from './rollout.data-source.js';

/** Where `log_completions` writes, in the run's output_dir. */
export const COMPLETIONS_FILE = 'completions.jsonl';

/** One completion as `log_completions` writes it: TRL's completions table, one JSON object per line. */
export interface CompletionRecord {
  readonly epoch: number;
  /** The rollout's index within the epoch. */
  readonly rollout: number;
  readonly prompt: PromptRecord['prompt'];
  readonly completion: string;
  /** Each reward function's score by name; null where it did not judge the completion. */
  readonly rewards: Readonly<Record<string, number | null>>;
  readonly advantage: number;
  /** Ended by the length limit rather than an EOS. */
  readonly truncated: boolean;
}

export interface CompletionLogInput {
  readonly place: RolloutPlace;
  readonly prompts: readonly PromptRecord[];
  readonly rollout: Rollout;
  readonly numGenerations: number;
  readonly names: readonly string[];
  readonly perFunction: readonly (readonly Reward[])[];
  readonly advantages: readonly number[];
}

export function completionRecords(input: CompletionLogInput): CompletionRecord[] {
  const { place, prompts, rollout, numGenerations, names, perFunction, advantages } = input;
  return rollout.completions.map((completion, row) => ({
    epoch: place.epoch,
    rollout: place.generation,
    prompt: prompts[Math.floor(row / numGenerations)].prompt,
    completion,
    rewards: Object.fromEntries(names.map((name, f) => [name, perFunction[f][row] ?? null])),
    advantage: advantages[row],
    truncated: rollout.truncated[row],
  }));
}

/** Appends the rollout's records in one write, so a run stopped mid-way leaves whole lines. */
export async function appendCompletions(path: string, records: readonly CompletionRecord[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** The first `count` records as console lines: prompt → completion, then the rewards and advantage. */
export function printableCompletions(records: readonly CompletionRecord[], count: number): string[] {
  const flat = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)).replace(/\s+/g, ' ').trim();
  return records.slice(0, count).map((r) => {
    const rewards = Object.entries(r.rewards)
      .map(([name, v]) => `${name} ${v === null ? '—' : +v.toFixed(4)}`)
      .join(', ');
    return `[rollout ${r.rollout}] ${flat(r.prompt)} → ${flat(r.completion)} | ${rewards} | advantage ${+r.advantage.toFixed(4)}`;
  });
}
