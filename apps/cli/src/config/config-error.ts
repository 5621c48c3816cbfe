import { closestName } from '@tunekit/core';
import { CliError } from '../cli-error.js';

export type KeyPath = readonly string[];

/** Says where a key came from: `run.yaml:12` for the file, `--set training.seed` for an override. */
export type Locate = (path: KeyPath) => string;

/** A mistake in the run config, as one line: `where: key.path: what is wrong`. Exit code 2. */
export class ConfigError extends CliError {
  override readonly name = 'ConfigError';

  constructor(locate: Locate, readonly path: KeyPath, detail: string) {
    const where = locate(path);
    const key = path.join('.');
    // `--set training.seed: ...` already names the key.
    super(`${where === `--set ${key}` ? where : `${where}: ${key}`}: ${detail}`, 2);
  }
}

/** A value as the user wrote it; JSON would print NaN and Infinity as null. */
export const describeValue = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v));

/** The closest known key, when near enough to be a typo (the rule every parser shares). */
export const closest = closestName;

export function unknownKeyDetail(key: string, known: readonly string[]): string {
  const hint = closest(key, known);
  return hint ? `unknown key (did you mean "${hint}"?)` : `unknown key; expected one of ${known.join(', ')}`;
}

export const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
