import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_RE } from './trainer-checkpoint.js';
import { TrainerRunError } from './trainer-run.errors.js';

/** `writeDirAtomically`/`publishFiles` staging names: `.<name>.tmp-<pid>-<hex>`, and the `.old` a replaced checkpoint takes. */
const STAGING_RE = /^\.[^/]+\.tmp-(\d+)-[0-9a-f]+(?:\.old)?$/;

/** Whether process `pid` is running: a staging folder of a live process (another run's save in progress) is neither litter nor a sign of use. */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // this process saves nothing before its run starts
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface OutputDirOptions {
  /** The run resumes from a checkpoint: the folder's contents are the run's own. */
  readonly resuming: boolean;
  /** HF `overwrite_output_dir`: train over a used folder; its old checkpoints are removed so no later resume picks them up. */
  readonly overwrite: boolean;
}

/**
 * Readies `output_dir` before a run (HF's example scripts' check, done by the trainer itself):
 * staging folders that a killed save left behind are removed; a used folder is refused unless the
 * run resumes or `overwrite_output_dir` is set. Returns one line per thing removed.
 */
export async function prepareOutputDir(dir: string, opts: OutputDirOptions): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  const remove = async (name: string, why: string): Promise<void> => {
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(`removed ${why} ${join(dir, name)}`);
  };
  const rest: string[] = [];
  for (const name of entries) {
    const staging = STAGING_RE.exec(name);
    if (!staging) rest.push(name);
    else if (!alive(Number(staging[1]))) await remove(name, 'stale staging folder');
  }
  if (opts.resuming || rest.length === 0) return removed;
  if (!opts.overwrite) {
    const shown = rest.sort().slice(0, 4).join(', ') + (rest.length > 4 ? `, ... (${rest.length} entries)` : '');
    throw new TrainerRunError(
      `output_dir ${dir} is not empty (${shown}); set overwrite_output_dir: true to train over it, resume_from_checkpoint: true to continue its run, or choose another output_dir`,
    );
  }
  for (const name of rest) if (CHECKPOINT_RE.test(name)) await remove(name, "an earlier run's checkpoint (overwrite_output_dir)");
  return removed;
}
