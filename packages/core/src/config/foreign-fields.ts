import { nestsDeeperThan, showValue } from '../util/show-value.js';
/**
 * Fields that another program (PEFT, transformers) writes into a file and that TuneKit does not
 * implement. One rule covers them all: at a neutral value (the library's default: null, false,
 * empty, or a value only read by a feature that is off) the field leaves the math unchanged, so it
 * is accepted and written back on save; at any other value it would change the math, and the file is
 * refused with one line naming the field. User-written configs never use this: unknown keys there
 * are errors with a did-you-mean.
 */

/** Whether `value` (in the object `raw`) leaves the math as if the field were absent. */
export type Neutral = (value: unknown, raw: Readonly<Record<string, unknown>>) => boolean;

export interface ForeignField {
  readonly neutral: Neutral;
  /** What a non-neutral value turns on, for the refusal: `KaSA`, `block-diagonal LoRA`. */
  readonly feature: string;
}

export type ForeignFieldTable = Readonly<Record<string, ForeignField>>;

/** Which library wrote the file, and its table of fields TuneKit does not implement. */
export interface ForeignFieldRule {
  readonly library: string;
  readonly fields: ForeignFieldTable;
}

/** Compares a file's value with a known default; a value nested deeper than any default is not one (and would overflow JSON.stringify). */
const same = (a: unknown, b: unknown): boolean => !nestsDeeperThan(a, 16) && !nestsDeeperThan(b, 16) && JSON.stringify(a) === JSON.stringify(b);

/** The library's None / False / empty default: the feature is off. */
const off: Neutral = (v) => v === undefined || v === null || v === false || same(v, {}) || same(v, []);

export const neutral = {
  off,
  /** null, or one of `values` (the defaults that mean "as if unset"). */
  oneOf:
    (...values: unknown[]): Neutral =>
    (v) =>
      v === null || values.some((x) => same(x, v)),
  /** Metadata or runtime settings: no value changes the output. */
  anyValue: (() => true) as Neutral,
  /** Any value while `switchField` (the feature that reads it) is off; with it on, only one of `values` (its defaults). */
  readOnlyWith:
    (switchField: string, ...values: unknown[]): Neutral =>
    (v, raw) =>
      off(raw[switchField], raw) || values.some((x) => same(x, v)),
} as const;

/** `PEFT's`, `transformers'`. */
const possessive = (name: string): string => (name.endsWith('s') ? `${name}'` : `${name}'s`);

/** The refusal's words after the key: `{"r":4} turns on KaSA, which TuneKit does not implement; only PEFT's default (off) can be loaded`. */
export const foreignRefusal = (field: ForeignField, value: unknown, library: string): string =>
  `${showValue(value)} turns on ${field.feature}, which TuneKit does not implement; only ${possessive(library)} default (off) can be loaded`;

/** A field in no table (a newer library's): only the off value is known to leave the math unchanged. */
export const UNLISTED: ForeignField = { neutral: off, feature: 'an unknown setting' };

export const unlistedRefusal = (value: unknown, library: string): string =>
  `${showValue(value)} is set, and TuneKit does not know this ${library} field, so cannot tell whether it changes the math; only its off value (null, false or empty) can be loaded`;
