import { ConfigError, type KeyPath, type Locate, describeValue, isMapping, unknownKeyDetail } from './config-error.js';

/** Returns what the value should have been ("a positive integer"), or undefined when it is fine. */
export type Check = (value: unknown) => string | undefined;

export const check = {
  string: ((v) => (typeof v === 'string' && v.length > 0 ? undefined : 'a non-empty string')) as Check,
  bool: ((v) => (typeof v === 'boolean' ? undefined : 'true or false')) as Check,
  positiveInt: ((v) => (Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'a positive integer')) as Check,
  seed: ((v) => (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32 ? undefined : 'an integer in [0, 2^32)')) as Check,
  stringList: ((v) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0) ? undefined : 'a list of non-empty strings')) as Check,
  oneOf:
    (choices: readonly string[]): Check =>
    (v) =>
      typeof v === 'string' && choices.includes(v) ? undefined : `one of ${choices.join(' | ')}`,
};

/**
 * Checks a mapping against a table of fields: unknown keys get a did-you-mean, wrong values name
 * their key path. Returns the mapping (its values unchanged).
 */
export function checkFields(raw: unknown, path: KeyPath, fields: Readonly<Record<string, Check>>, locate: Locate): Record<string, unknown> {
  if (!isMapping(raw)) throw new ConfigError(locate, path, `expected a mapping, got ${describeValue(raw)}`);
  const known = Object.keys(fields);
  for (const [key, value] of Object.entries(raw)) {
    const keyPath = [...path, key];
    if (!Object.hasOwn(fields, key)) throw new ConfigError(locate, keyPath, unknownKeyDetail(key, known));
    const expected = value === null ? undefined : fields[key](value);
    if (expected) throw new ConfigError(locate, keyPath, `expected ${expected}, got ${describeValue(value)}`);
  }
  return raw;
}
