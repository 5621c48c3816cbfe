import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HostTensor } from '../host-tensor.js';
import type { LrSchedulerState } from '../optim/lr-schedule.js';
import type { OptimizerMeta, OptimizerState } from '../optim/optimizer.interface.js';
import type { RngState } from '../random/rng.js';
import { SafetensorsFile } from '../safetensors/safetensors.reader.js';
import { writeSafetensors } from '../safetensors/safetensors.writer.js';
import type { ModelCheckpointer } from './model-checkpointer.js';
import { TRAINER_STATE_FILE, type TrainerState, parseTrainerState } from './trainer-state.js';
import type { TrainingArguments } from './training-arguments.js';
import { writeDirAtomically } from '../util/atomic-dir.js';
import { TrainerRunError } from './trainer-run.errors.js';
import { readJsonObject, writeJsonFile } from '../util/json-file.js';

/**
 * Layout of `<output_dir>/checkpoint-<step>/`:
 *   model.safetensors (or the injected checkpointer's files, e.g. a PEFT adapter)
 *   optimizer.safetensors   moment buffers (and f32 masters), keyed `<param>.<buffer>`
 *   optimizer.json          optimizer metadata: kind, hyper-parameters, per-param step counts
 *   scheduler.json          LR scheduler position
 *   rng_state.json          every registered Rng by name
 *   trainer_state.json      HF's TrainerState plus the data position
 *   training_args.json      the arguments of the run that wrote it
 */
export const CHECKPOINT_FILES = {
  optimizerBuffers: 'optimizer.safetensors',
  optimizerMeta: 'optimizer.json',
  scheduler: 'scheduler.json',
  rng: 'rng_state.json',
  state: TRAINER_STATE_FILE,
  args: 'training_args.json',
} as const;

export const CHECKPOINT_PREFIX = 'checkpoint-';
export const CHECKPOINT_RE = /^checkpoint-(\d+)$/;

/** Everything besides the model weights that a resumed run needs. */
export interface TrainingSnapshot {
  state: TrainerState;
  optimizer: OptimizerState;
  scheduler: LrSchedulerState;
  rngs: Record<string, RngState>;
}

/** What `loadCheckpoint` reads: the snapshot, and the arguments of the run that wrote it. */
export interface LoadedCheckpoint extends TrainingSnapshot {
  args: Record<string, unknown>;
}

export const checkpointDir = (outputDir: string, step: number): string => join(outputDir, `${CHECKPOINT_PREFIX}${step}`);

/** Buffers become `<param>.<buffer>`: parameter names have dots, buffer names never do. */
function flattenBuffers(buffers: OptimizerState['buffers']): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [param, named] of Object.entries(buffers)) for (const [buf, data] of Object.entries(named)) out.set(`${param}.${buf}`, new HostTensor('f32', [data.length], data));
  return out;
}

async function readBuffers(path: string): Promise<OptimizerState['buffers']> {
  const file = await SafetensorsFile.open(path);
  try {
    const out: OptimizerState['buffers'] = {};
    for await (const [key, tensor] of file.entries()) {
      const cut = key.lastIndexOf('.');
      if (cut <= 0 || tensor.dtype !== 'f32') throw new Error(`${path}: unexpected tensor '${key}' (${tensor.dtype})`);
      (out[key.slice(0, cut)] ??= {})[key.slice(cut + 1)] = tensor.data as Float32Array;
    }
    return out;
  } finally {
    await file.close();
  }
}

/**
 * Writes a checkpoint into a hidden temporary directory and renames it to `checkpoint-<step>`, so
 * the final name only ever holds a complete checkpoint. An existing one of the same step is replaced.
 */
export async function saveCheckpoint(
  outputDir: string,
  snapshot: TrainingSnapshot,
  model: ModelCheckpointer,
  args: TrainingArguments,
): Promise<string> {
  await mkdir(outputDir, { recursive: true });
  const final = checkpointDir(outputDir, snapshot.state.global_step);
  await writeDirAtomically(final, async (tmp) => {
    await model.save(tmp);
    await writeSafetensors(join(tmp, CHECKPOINT_FILES.optimizerBuffers), flattenBuffers(snapshot.optimizer.buffers));
    await writeJsonFile(join(tmp, CHECKPOINT_FILES.optimizerMeta), snapshot.optimizer.meta);
    await writeJsonFile(join(tmp, CHECKPOINT_FILES.scheduler), snapshot.scheduler);
    await writeJsonFile(join(tmp, CHECKPOINT_FILES.rng), { format: 'tunekit.rng/1', rngs: snapshot.rngs });
    await writeJsonFile(join(tmp, CHECKPOINT_FILES.state), snapshot.state);
    await writeJsonFile(join(tmp, CHECKPOINT_FILES.args), args);
  });
  return final;
}

/**
 * Reads everything but the weights (the model checkpointer loads those), validating as it goes.
 * Every file is looked for first, so a checkpoint with one missing names the folder and the file
 * instead of failing on a bare ENOENT.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  if (!(await exists(join(dir, CHECKPOINT_FILES.state)))) throw new TrainerRunError(`${dir}: not a checkpoint (no ${CHECKPOINT_FILES.state})`);
  const missing = [];
  for (const file of Object.values(CHECKPOINT_FILES)) if (!(await exists(join(dir, file)))) missing.push(file);
  if (missing.length) throw new TrainerRunError(`checkpoint ${dir} is incomplete: ${missing.join(', ')} missing`);
  const state = parseTrainerState(await readFile(join(dir, CHECKPOINT_FILES.state), 'utf8'), join(dir, CHECKPOINT_FILES.state));
  const meta = (await readJsonObject(join(dir, CHECKPOINT_FILES.optimizerMeta))) as unknown as OptimizerMeta;
  const buffers = await readBuffers(join(dir, CHECKPOINT_FILES.optimizerBuffers));
  const scheduler = (await readJsonObject(join(dir, CHECKPOINT_FILES.scheduler))) as unknown as LrSchedulerState;
  const rngFile = (await readJsonObject(join(dir, CHECKPOINT_FILES.rng))) as { format?: string; rngs?: Record<string, RngState> };
  if (rngFile.format !== 'tunekit.rng/1' || typeof rngFile.rngs !== 'object' || rngFile.rngs === null) {
    throw new Error(`${join(dir, CHECKPOINT_FILES.rng)}: unknown format '${rngFile.format}'`);
  }
  const args = await readJsonObject(join(dir, CHECKPOINT_FILES.args));
  return { state, optimizer: { meta, buffers }, scheduler, rngs: rngFile.rngs, args };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `checkpoint-<step>` directories under `outputDir`, oldest (lowest step) first; temporaries are skipped. */
export async function listCheckpoints(outputDir: string): Promise<{ step: number; dir: string }[]> {
  const entries = await readdir(outputDir, { withFileTypes: true }).catch(() => []);
  return entries
    .flatMap((e) => {
      const m = e.isDirectory() ? CHECKPOINT_RE.exec(e.name) : null;
      return m ? [{ step: Number(m[1]), dir: join(outputDir, e.name) }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

/** HF `get_last_checkpoint`: the highest-step checkpoint under `outputDir`, or null. */
export async function latestCheckpoint(outputDir: string): Promise<string | null> {
  return (await listCheckpoints(outputDir)).at(-1)?.dir ?? null;
}

/**
 * HF `_rotate_checkpoints`: deletes the oldest checkpoints beyond `limit`, never the best one nor
 * the latest (the best is ordered just before the latest). With limit 1 and a best checkpoint that
 * is not the latest, two are kept, so the run can still resume from its last step. Returns the
 * deleted directories.
 */
export async function rotateCheckpoints(outputDir: string, limit: number | null, best: string | null): Promise<string[]> {
  if (limit === null) return [];
  const dirs = (await listCheckpoints(outputDir)).map((c) => c.dir);
  const bestIndex = best === null ? -1 : dirs.findIndex((d) => resolve(d) === resolve(best));
  const bestIsLatest = bestIndex === dirs.length - 1;
  if (bestIndex >= 0 && !bestIsLatest) {
    const [bestDir] = dirs.splice(bestIndex, 1);
    dirs.splice(dirs.length - 1, 0, bestDir);
  }
  const keep = limit === 1 && bestIndex >= 0 && !bestIsLatest ? 2 : limit;
  const doomed = dirs.slice(0, Math.max(0, dirs.length - keep));
  for (const dir of doomed) await rm(dir, { recursive: true, force: true });
  return doomed;
}
