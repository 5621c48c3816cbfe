import { stat } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/**
 * Fails early, before work whose result would have nowhere to go; the write itself
 * (`writeDirAtomically` with `existing: 'refuse'`) checks again.
 */
export async function assertNewDir(dir: string): Promise<void> {
  if (await stat(dir).catch(() => null)) throw new CliError(`${dir} already exists; choose a new output folder`);
}
