import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.test-support.js';

export const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export interface QuickstartRun {
  /** The run's output folder: the adapter (PEFT layout), metrics.jsonl and a checkpoint every PARTWAY_EVERY steps. */
  readonly dir: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** `tunekit train`'s held-out exact match after training, in percent (null if it printed none). */
  readonly accuracy: number | null;
}

/**
 * The alignment, GRPO and PPO demos start from the run's checkpoint at this step, or from the
 * latest before it that answers under half the held-out questions where the model learns sooner
 * (examples/alignment/src/partway-start.ts): the run keeps a checkpoint every PARTWAY_EVERY steps
 * for that choice.
 */
export const QUICKSTART_PARTWAY_STEP = 2000;
const PARTWAY_EVERY = 200;

/**
 * One folder per test run: vitest's forks share their parent (the vitest process), whose start time
 * tells a reused pid apart.
 */
async function runKey(): Promise<string> {
  const stat = await readFile(`/proc/${process.ppid}/stat`, 'utf8').catch(() => '');
  const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  return `${process.ppid}-${started}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The quickstart as shipped (examples/quickstart.yaml, samples off), fine-tuned once per test run
 * and shared by every spec that needs the fine-tuned model: the first caller trains (minutes) while
 * the others, in their own processes, wait for its result.
 */
export async function fineTunedQuickstart(): Promise<QuickstartRun> {
  const dir = join(tmpdir(), `tunekit-quickstart-run-${await runKey()}`);
  const result = join(dir, 'result.json');
  const won = await mkdir(dir).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw e;
    },
  );
  if (won) {
    const run = await runCli(['train', join(EXAMPLES, 'quickstart.yaml'), '--set', `training.output_dir=${JSON.stringify(join(dir, 'run'))}`, '--set', 'samples=null', '--set', `training.save_steps=${PARTWAY_EVERY}`]);
    const after = /^exact_match after training: ([\d.]+)% \(\d+\/200\)$/m.exec(run.stdout);
    const done: QuickstartRun = { dir: join(dir, 'run'), ...run, accuracy: after ? Number(after[1]) : null };
    // Renamed into place, so a waiter never reads half of it.
    await writeFile(`${result}.part`, JSON.stringify(done));
    await rename(`${result}.part`, result);
    return done;
  }
  for (;;) {
    const text = await readFile(result, 'utf8').catch(() => null);
    if (text !== null) return JSON.parse(text) as QuickstartRun;
    await sleep(1000);
  }
}
