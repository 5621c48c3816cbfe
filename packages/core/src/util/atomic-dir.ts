import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// The one way TuneKit writes files all or nothing. It belongs to the outermost caller (the trainer's
// checkpoint, the CLI's output folder): what runs inside `fill` writes plain files into the staging
// folder, so a checkpoint is staged once, not once per layer.

const stagingName = (name: string): string => `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** Out of space (or quota): what a full disk looks like from Node. */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** A write that ran out of disk: one line naming the folder, and that nothing took its name. */
export class DiskFullError extends Error {
  override readonly name = 'DiskFullError';

  constructor(
    readonly target: string,
    options?: ErrorOptions,
  ) {
    super(`no space left on the device to write ${target}; nothing was written under that name (free space, or choose another folder)`, options);
  }
}

/** Whether `err`, or an error it wraps (a writer's own error around the fs one), is a full disk. */
function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (DISK_FULL_CODES.has((e as NodeJS.ErrnoException).code ?? '')) return true;
  }
  return false;
}

/** A full disk becomes a DiskFullError naming `target`; anything else passes through. */
const explainDiskFull = (err: unknown, target: string): unknown => (isDiskFull(err) ? new DiskFullError(target, { cause: err }) : err);

export interface WriteDirOptions {
  /**
   * What to do when `dir` exists: `replace` it (a checkpoint of the same step), or `refuse`
   * (a user's output folder, which is not ours to replace). Default `replace`.
   */
  readonly existing?: 'replace' | 'refuse';
}

/**
 * Writes a folder whole or not at all: `fill` writes into a hidden sibling, which then takes the
 * folder's name. An existing folder is moved aside first and removed only once the new one is in
 * place (rename cannot replace a non-empty directory), so at every moment `dir` is either the old
 * complete folder or the new complete one. On failure the old folder is left as it was.
 */
export async function writeDirAtomically(dir: string, fill: (staging: string) => Promise<void>, opts: WriteDirOptions = {}): Promise<void> {
  if (opts.existing === 'refuse' && (await exists(dir))) throw new Error(`${dir} already exists; choose a new output folder`);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, stagingName(basename(dir)));
  await mkdir(staging);
  try {
    await fill(staging);
    if (await exists(dir)) {
      if (opts.existing === 'refuse') throw new Error(`${dir} already exists; choose a new output folder`);
      const old = `${staging}.old`;
      await rename(dir, old);
      await rename(staging, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, dir);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw explainDiskFull(err, dir);
  }
}

/**
 * Adds files to a folder that already holds others (a run's output_dir, next to its checkpoints and
 * metrics): `fill` writes into a hidden subfolder, then each file is renamed into place, so no
 * reader ever sees a half-written file. Returns the names published.
 */
export async function publishFiles(dir: string, fill: (staging: string) => Promise<void>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const staging = join(dir, stagingName('final'));
  await mkdir(staging);
  try {
    await fill(staging);
    const names = await readdir(staging);
    for (const name of names) await rename(join(staging, name), join(dir, name));
    return names;
  } catch (err) {
    throw explainDiskFull(err, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
