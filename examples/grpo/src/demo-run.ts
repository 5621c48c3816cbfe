/** What the GRPO and PPO demonstration scripts share: running the CLI as a user would, and reading a run's reward curve. */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs `tunekit ...args` from the repository root, its output on this terminal. A step that fails
 * ends the demonstration with the CLI's exit code: the CLI has already said why, in one line.
 */
export function tunekit(...args: string[]): void {
  const { status, error } = spawnSync(process.execPath, [`${REPO}apps/cli/bin/tunekit.js`, ...args], { stdio: 'inherit', cwd: REPO });
  if (error) throw error;
  if (status !== 0) process.exit(status ?? 1);
}

/** `tunekit train CONFIG` from scratch: a rerun of the demonstration trains again rather than stopping at the last run's output. */
export const trainAfresh = (config: string) => tunekit('train', config, '--set', 'training.overwrite_output_dir=true');

/**
 * The start and end of a run's logged curve: the mean of `key` over the first and the last quarter
 * of the logged steps, from the last checkpoint's trainer_state.json (its log history holds them all).
 */
export function curveEnds(runDir: string, key: string): string {
  const last = readdirSync(runDir)
    .filter((d) => /^checkpoint-\d+$/.test(d))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)))
    .pop();
  if (!last) throw new Error(`${runDir}: no checkpoint`);
  type Entry = { step: number } & Record<string, number>;
  const history = (JSON.parse(readFileSync(`${runDir}/${last}/trainer_state.json`, 'utf8')) as { log_history: Entry[] }).log_history.filter((e) => e[key] !== undefined);
  const mean = (xs: Entry[]) => xs.reduce((s, e) => s + e[key], 0) / xs.length;
  const quarter = Math.max(1, Math.floor(history.length / 4));
  const [head, tail] = [history.slice(0, quarter), history.slice(-quarter)];
  return `steps ${head[0].step}-${head[head.length - 1].step} ${mean(head).toFixed(3)} -> steps ${tail[0].step}-${tail[tail.length - 1].step} ${mean(tail).toFixed(3)}`;
}
