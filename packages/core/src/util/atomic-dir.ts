import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a folder whole or not at all: `fill` writes into a hidden sibling, which then takes the
 * folder's name. An existing folder is moved aside first and removed only once the new one is in
 * place (rename cannot replace a non-empty directory), so at every moment `dir` is either the old
 * complete folder or the new complete one. On failure the old folder is left as it was.
 */
export async function writeDirAtomically(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    await fill(staging);
    if (await stat(dir).catch(() => null)) {
      const old = `${staging}.old`;
      await rename(dir, old);
      await rename(staging, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, dir);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
