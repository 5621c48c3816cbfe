/**
 * Where the demos start: the quickstart model partway through learning its task. On the machine
 * the demos were measured on, the quickstart's SFT at step 2,000 of 2,400 answers 40.5% of the
 * held-out questions; where ONNX Runtime's kernels round otherwise the model learns the copy
 * earlier and that checkpoint already answers all of them (examples/quickstart.yaml). So the SFT
 * keeps a checkpoint every PARTWAY_EVERY steps, and the start is the latest one up to the nominal
 * step that still answers under half: the same step 2,000 there, an earlier one elsewhere.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tunekit } from './tunekit-cli.js';

export const PARTWAY_EVERY = 200;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const QUICKSTART_MODEL = here('../../quickstart-model');
const QUESTIONS = here('../../data/quickstart-test.jsonl');

export interface PartwayCheckpoint {
  /** The checkpoint folder (an adapter in PEFT layout). */
  readonly dir: string;
  readonly step: number;
  /** Greedy exact match on the 200 held-out questions, 0-1. */
  readonly accuracy: number;
}

/** The latest checkpoint of the quickstart run in `runDir`, at most `upTo`, whose held-out exact match is under `below`. */
export async function partwayCheckpoint(runDir: string, upTo: number, below = 0.5, echo = false): Promise<PartwayCheckpoint> {
  let last: PartwayCheckpoint | null = null;
  for (let step = upTo - (upTo % PARTWAY_EVERY); step >= PARTWAY_EVERY; step -= PARTWAY_EVERY) {
    const dir = join(runDir, `checkpoint-${step}`);
    const stdout = await tunekit(['eval', '--model', QUICKSTART_MODEL, '--adapter', dir, '--data', QUESTIONS, '--metric', 'exact_match', '--max-new-tokens', '4', '--chat', '--json'], false);
    last = { dir, step, accuracy: (JSON.parse(stdout.trim().split('\n').pop()!) as { exact_match: number }).exact_match };
    if (echo) console.log(`quickstart step ${step}: held-out exact match ${(last.accuracy * 100).toFixed(1)}%`);
    if (last.accuracy < below) return last;
  }
  throw new Error(`no quickstart checkpoint up to step ${upTo} in ${runDir} answers under ${below * 100}% of the held-out questions (step ${last?.step}: ${last?.accuracy})`);
}
