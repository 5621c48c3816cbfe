import { showValue } from '../util/show-value.js';

/**
 * Value checks for config fields. A check returns what the value should have been, as the words
 * after "expected" (`a positive integer`), or undefined when the value is fine; the parser adds the
 * key path and the value it got.
 */
export type Check = (value: unknown) => string | undefined;

/** A check from a predicate and the words that describe a good value. */
export const rule =
  (ok: (value: unknown) => boolean, expected: string): Check =>
  (v) =>
    ok(v) ? undefined : expected;

export interface RangeOptions {
  readonly integer?: boolean;
  readonly min?: number;
  /** Strictly greater than. */
  readonly above?: number;
  readonly max?: number;
  /** Strictly less than. */
  readonly below?: number;
}

/** `an integer >= 1 and <= 8`: the words a range check expects. */
export function describeRange(o: RangeOptions): string {
  const bounds = [
    o.min !== undefined ? `>= ${o.min}` : '',
    o.above !== undefined ? `> ${o.above}` : '',
    o.max !== undefined ? `<= ${o.max}` : '',
    o.below !== undefined ? `< ${o.below}` : '',
  ].filter(Boolean);
  return `${o.integer ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
}

export const inRange = (v: unknown, o: RangeOptions): v is number =>
  typeof v === 'number' &&
  Number.isFinite(v) &&
  (!o.integer || Number.isSafeInteger(v)) &&
  (o.min === undefined || v >= o.min) &&
  (o.above === undefined || v > o.above) &&
  (o.max === undefined || v <= o.max) &&
  (o.below === undefined || v < o.below);

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The checks config tables are built from; a parser with its own words uses `rule`. */
export const checks = {
  bool: rule((v) => typeof v === 'boolean', 'true or false'),
  string: rule((v) => typeof v === 'string', 'a string'),
  nonEmptyString: rule((v) => typeof v === 'string' && v.length > 0, 'a non-empty string'),
  int: rule((v) => Number.isSafeInteger(v), 'an integer'),
  positiveInt: rule((v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer'),
  number: rule((v) => typeof v === 'number' && Number.isFinite(v), 'a finite number'),
  stringList: rule(isStringList, 'a list of strings'),
  nonEmptyStringList: rule((v) => isStringList(v) && v.every((s) => s.length > 0), 'a list of non-empty strings'),
  mapping: rule(isMapping, 'a mapping'),
  range: (o: RangeOptions, expected = describeRange(o)): Check => rule((v) => inRange(v, o), expected),
  /** One of `choices`; `expected` defaults to `one of a|b|c`. */
  oneOf: (choices: readonly unknown[], expected = `one of ${choices.join('|')}`): Check => rule((v) => choices.includes(v), expected),
  nullable:
    (check: Check): Check =>
    (v) =>
      v === null ? undefined : check(v),
  /** Passes when either check does; reports the first one's words. */
  either:
    (a: Check, b: Check, expected?: string): Check =>
    (v) =>
      a(v) === undefined || b(v) === undefined ? undefined : (expected ?? a(v)),
} as const;

/** A value as written; JSON would print NaN and Infinity as null. */
export const describeValue = (v: unknown): string => (v === undefined ? 'nothing' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : showValue(v));

export const isConfigMapping = isMapping;
