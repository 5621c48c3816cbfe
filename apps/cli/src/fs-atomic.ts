import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

const stagingName = (name: string): string => `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Fails early, before work whose result would have nowhere to go; `writeNewDir` checks again when it writes. */
export async function assertNewDir(dir: string): Promise<void> {
  if (await stat(dir).catch(() => null)) throw new CliError(`${dir} already exists; choose a new output folder`);
}

/**
 * Creates `dir` whole or not at all: `fill` writes into a hidden sibling that is renamed to `dir`
 * at the end. Refuses an existing `dir`, since replacing a user's folder is not ours to decide.
 */
export async function writeNewDir(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  await assertNewDir(dir);
  await mkdir(dirname(dir), { recursive: true });
  const staging = join(dirname(dir), stagingName(basename(dir)));
  await mkdir(staging);
  try {
    await fill(staging);
    await rename(staging, dir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Adds files to a folder that already holds others (a run's output_dir, next to its checkpoints and
 * metrics): `fill` writes into a hidden subfolder, then each file is renamed into place, so no
 * reader ever sees a half-written file.
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
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
