import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, userInfo } from 'node:os';
import { join } from 'node:path';
import { OrtExecutor } from '../../executors/ort/index.js';
import { InMemoryDataSource } from '../../trainer/in-memory.data-source.js';
import type { TrainDataSource } from '../../trainer/data-source.interface.js';
import type { Task } from '../../trainer/task.interface.js';
import { Trainer } from '../../trainer/trainer.js';
import { examples } from '../../trainer/trainer.test-support.js';
import { parseTrainingArguments } from '../../trainer/training-arguments.js';
import { openCollectives } from '../open-collectives.js';
import type { ZeroStage } from '../zero-stage.js';

/** One training run of the data parallel specs, as every rank of it reads it from argv. */
export interface RunSpec {
  outputDir: string;
  perDeviceBatch: number;
  accumulation: number;
  maxSteps: number;
  optim: 'adamw_torch' | 'sgd';
  zeroStage: ZeroStage;
  saveSteps: number;
  resume: boolean;
  /** Rank that SIGKILLs itself once it finished this step (the failure spec). */
  kill?: { rank: number; afterStep: number };
}

/** What each rank writes to `<outputDir>/result-rank<r>.json`. */
export interface RankResult {
  rank: number;
  size: number;
  losses: number[];
  gradNorms: number[];
  tokens: number;
  weights: Record<string, number[]>;
  optimizerBytes: number;
  /** Every `log` event's metrics. */
  logs: Record<string, number>[];
  /** What the rank's own script adds (`runRank`'s `extra`). */
  extra?: Record<string, unknown>;
}

export const EXAMPLES = 16;

/** What a rank script may change in `runRank`. */
export interface RankOptions {
  /** The rank's training data (default: the tiny next-token examples). */
  readonly data?: TrainDataSource;
  /** What the rank's own script adds to its result. */
  readonly extra?: () => Record<string, unknown>;
}

/**
 * The body of a rank: trains `task` with the spec's arguments and writes what the specs compare.
 * A single process (no launcher variables) is the reference.
 */
export async function runRank(spec: RunSpec, task: Task, { data, extra }: RankOptions = {}): Promise<void> {
  const comm = openCollectives();
  const executor = new OrtExecutor({ threads: 1 });
  const args = parseTrainingArguments({
    output_dir: spec.outputDir,
    per_device_train_batch_size: spec.perDeviceBatch,
    gradient_accumulation_steps: spec.accumulation,
    max_steps: spec.maxSteps,
    optim: spec.optim,
    learning_rate: 1e-2,
    weight_decay: 0.01,
    max_grad_norm: 1,
    logging_steps: 1,
    save_steps: spec.saveSteps,
    zero_stage: spec.zeroStage,
    resume_from_checkpoint: spec.resume,
    // Small buckets, so gradients cross parameter boundaries and take several rounds.
    ddp_bucket_cap_mb: 1 / 64,
  });
  const trainer = Trainer.create({ args, task, executor, collectives: comm });
  const result: RankResult = { rank: comm.rank, size: comm.size, losses: [], gradNorms: [], tokens: 0, weights: {}, optimizerBytes: 0, logs: [] };
  trainer.bus.on('log').subscribe((e) => result.logs.push(e.metrics));
  trainer.bus.on('step').subscribe((e) => {
    result.losses.push(e.loss);
    result.gradNorms.push(e.gradNorm);
    result.tokens += e.tokens;
    if (spec.kill && comm.rank === spec.kill.rank && e.step === spec.kill.afterStep) process.kill(process.pid, 'SIGKILL');
  });
  const source = data ?? new InMemoryDataSource(examples(EXAMPLES), { batchSize: spec.perDeviceBatch, seed: 5 });
  result.optimizerBytes = (await trainer.train(source)).optimizerStateBytes;
  for (const [name, p] of task.namedParameters()) if (p.requiresGrad) result.weights[name] = [...p.value.toFloat32()];
  if (extra) result.extra = extra();
  writeFileSync(join(spec.outputDir, `result-rank${comm.rank}.json`), JSON.stringify(result));
  executor.dispose();
  await comm.close();
}

/** The `mpirun` on PATH, or null where Open MPI is not installed. */
export function findMpirun(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v mpirun'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

export interface Launched {
  code: number | null;
  output: string;
  seconds: number;
}

/** Runs `script` (a tsx worker taking the JSON spec) as `ranks` MPI processes, or as one plain process when ranks is 1. */
export function launch(script: string, ranks: number, spec: RunSpec): Promise<Launched> {
  const tsx = [process.execPath, '--import', 'tsx', script, JSON.stringify(spec)];
  const mpi = ['-np', String(ranks), ...(userInfo().uid === 0 ? ['--allow-run-as-root'] : []), ...(ranks > cpus().length ? ['--oversubscribe'] : [])];
  const [cmd, ...argv] = ranks === 1 ? tsx : ['mpirun', ...mpi, ...tsx];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, seconds: (performance.now() - started) / 1000 }));
  });
}
