import { closestName } from '@tunekit/core';

/** Shared checks for method configs: unknown keys get a did-you-mean, wrong types name the key. */

export class PeftConfigError extends Error {
  constructor(where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'PeftConfigError';
  }
}

export function didYouMean(key: string, known: readonly string[]): string {
  const best = closestName(key, known);
  return best ? ` (did you mean "${best}"?)` : '';
}

export function rejectUnknownKeys(raw: Record<string, unknown>, known: readonly string[], where: string, ignored: readonly string[] = []): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key) && !ignored.includes(key)) {
      throw new PeftConfigError(where, `unknown option "${key}"${didYouMean(key, known)}`);
    }
  }
}

type Check = (v: unknown) => boolean;
export const is = {
  int: ((v) => Number.isInteger(v)) as Check,
  positiveInt: ((v) => Number.isInteger(v) && (v as number) > 0) as Check,
  number: ((v) => typeof v === 'number' && Number.isFinite(v)) as Check,
  bool: ((v) => typeof v === 'boolean') as Check,
  string: ((v) => typeof v === 'string') as Check,
  stringList: ((v) => Array.isArray(v) && v.every((x) => typeof x === 'string')) as Check,
  oneOf:
    (...values: unknown[]): Check =>
    (v) =>
      values.includes(v),
};

export function expectType(raw: Record<string, unknown>, key: string, check: Check, expected: string, where: string): void {
  if (raw[key] !== undefined && raw[key] !== null && !check(raw[key])) {
    throw new PeftConfigError(where, `${key}: expected ${expected}, got ${JSON.stringify(raw[key])}`);
  }
}
