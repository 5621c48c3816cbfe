import { type Check, checkFields as checkWith, checks, rule } from '@tunekit/core';
import { ConfigError, type KeyPath, type Locate, describeValue, isMapping } from './config-error.js';

export type { Check };

/** The CLI's own sections' checks, from the config kit. */
export const check = {
  string: checks.nonEmptyString,
  bool: checks.bool,
  positiveInt: checks.positiveInt,
  seed: rule((v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32, 'an integer in [0, 2^32)'),
  stringList: checks.nonEmptyStringList,
  oneOf: (choices: readonly string[]): Check => checks.oneOf(choices, `one of ${choices.join(' | ')}`),
};

/**
 * Checks a mapping against a table of fields: unknown keys get a did-you-mean, wrong values name
 * their key path. Returns the mapping (its values unchanged).
 */
export function checkFields(raw: unknown, path: KeyPath, fields: Readonly<Record<string, Check>>, locate: Locate): Record<string, unknown> {
  if (!isMapping(raw)) throw new ConfigError(locate, path, `expected a mapping, got ${describeValue(raw)}`);
  const [first] = checkWith(raw, fields, { at: path }).problems;
  if (first) throw new ConfigError(locate, first.path, first.detail);
  return raw;
}
