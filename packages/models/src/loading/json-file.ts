import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { RawConfig } from '../config/config-fields.js';
import { CheckpointError } from './checkpoint-error.js';

/** Reads a JSON object; with `optional`, a missing file is null. Any other problem names the file. */
export async function readJsonObject(path: string, opts: { optional: true }): Promise<RawConfig | null>;
export async function readJsonObject(path: string, opts?: { optional?: false }): Promise<RawConfig>;
export async function readJsonObject(path: string, opts: { optional?: boolean } = {}): Promise<RawConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (opts.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CheckpointError(path, null, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(path, null, `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CheckpointError(path, null, 'expected a JSON object');
  return value as RawConfig;
}

/** Writes JSON as transformers does (2-space indent, trailing newline) via a temp file and a rename. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CheckpointError(path, null, `write failed: ${(err as Error).message}`, { cause: err });
  }
}
