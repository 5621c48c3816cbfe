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
 * The alignment, GRPO and PPO demos start from the run's checkpoint at this step, where on the
 * machine they were measured on the model has begun to copy the story's colour (40.5% held out;
 * examples/alignment). Where ONNX Runtime's kernels round otherwise, the copy comes earlier and
 * this checkpoint already answers every question (examples/quickstart.yaml), so the run keeps a
 * checkpoint every PARTWAY_EVERY steps and the partway tests start from `partwayCheckpoint`'s.
 */
export const QUICKSTART_PARTWAY_STEP = 2000;
const PARTWAY_EVERY = 200;

export interface PartwayCheckpoint {
  /** The checkpoint folder (an adapter in PEFT layout). */
  readonly dir: string;
  readonly step: number;
  /** Its greedy exact match on the 200 held-out questions, 0-1. */
  readonly accuracy: number;
}

/**
 * The demos' starting point as the tests need it, a model partway through learning the task: the
 * latest of the run's checkpoints up to QUICKSTART_PARTWAY_STEP whose held-out exact match is
 * under `below` (QUICKSTART_PARTWAY_STEP itself on the machine the demos were measured on).
 */
export async function partwayCheckpoint(run: QuickstartRun, below = 0.5): Promise<PartwayCheckpoint> {
  let last: PartwayCheckpoint | null = null;
  for (let step = QUICKSTART_PARTWAY_STEP; step >= PARTWAY_EVERY; step -= PARTWAY_EVERY) {
    const dir = join(run.dir, `checkpoint-${step}`);
    const args = ['eval', '--model', join(EXAMPLES, 'quickstart-model'), '--adapter', dir, '--data', join(EXAMPLES, 'data/quickstart-test.jsonl')];
    const scored = await runCli([...args, '--metric', 'exact_match', '--max-new-tokens', '4', '--chat', '--json']);
    if (scored.code !== 0) throw new Error(`tunekit eval of ${dir} failed: ${scored.stderr}`);
    last = { dir, step, accuracy: (JSON.parse(scored.stdout.trim().split('\n').pop()!) as { exact_match: number }).exact_match };
    if (last.accuracy < below) return last;
  }
  throw new Error(`no quickstart checkpoint up to step ${QUICKSTART_PARTWAY_STEP} answers under ${below * 100}% of the held-out questions (step ${last?.step}: ${last?.accuracy})`);
}

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
