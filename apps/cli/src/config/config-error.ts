import { type ConfigFieldError, type KeyPath, clipDetail, closestName, describeValue, isConfigMapping, unknownKey } from '@tunekit/core';
import { CliError } from '../cli-error.js';

export { type KeyPath, describeValue };

/** Says where a key came from: `run.yaml:12` for the file, `--set training.seed` for an override. */
export type Locate = (path: KeyPath) => string;

/** A mistake in the run config, as one line: `where: key.path: what is wrong`. Exit code 2. */
export class ConfigError extends CliError {
  override readonly name = 'ConfigError';

  constructor(locate: Locate, readonly path: KeyPath, detail: string) {
    const where = locate(path);
    const key = path.join('.');
    // `--set training.seed: ...` already names the key.
    super(`${where === `--set ${key}` ? where : `${where}: ${key}`}: ${clipDetail(detail)}`, 2);
  }

  /** A package's config error, pointed at the line of its first problem's key inside `section`. */
  static fromPackage(locate: Locate, section: KeyPath, error: ConfigFieldError): ConfigError {
    return new ConfigError(locate, [...section, ...error.path], error.detail);
  }
}

/** The closest known key, when near enough to be a typo (the config kit's one rule). */
export const closest = closestName;

export const unknownKeyDetail = (key: string, known: readonly string[]): string => unknownKey([key], known).detail;

export const isMapping = isConfigMapping;
