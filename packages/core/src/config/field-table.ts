import type { ConfigProblem, KeyPath } from './config-field-error.js';
import { closestName } from './did-you-mean.js';
import { type Check, describeValue } from './field-checks.js';
import { type ForeignFieldRule, UNLISTED, foreignRefusal, unlistedRefusal } from './foreign-fields.js';

/** One field of a config: its check and its default. */
export interface FieldSpec<V> {
  readonly check: Check;
  readonly default: V;
}

/** A config's fields, tied to its interface: a field without a row does not compile. */
export type FieldTable<T> = { readonly [K in keyof T]-?: FieldSpec<T[K]> };

export const defaultsOf = <T>(table: FieldTable<T>): T => Object.fromEntries(Object.entries(table).map(([k, f]) => [k, (f as FieldSpec<unknown>).default])) as T;

export const checksOf = <T>(table: FieldTable<T>): Record<string, Check> => Object.fromEntries(Object.entries(table).map(([k, f]) => [k, (f as FieldSpec<unknown>).check]));

/** `unknown key (did you mean "r"?)`, or the list of known keys when none is close. */
export function unknownKey(path: KeyPath, known: readonly string[]): ConfigProblem {
  const key = path[path.length - 1];
  const hint = closestName(key, known);
  const detail = hint ? `unknown key (did you mean "${hint}"?)` : known.length ? `unknown key; expected one of ${known.join(', ')}` : 'unknown key (there are no options here)';
  return { path, detail, unknown: { hint } };
}

export interface CheckFieldsOptions {
  /** Prepended to every problem's path (a nested object's key). */
  readonly at?: KeyPath;
  /** Keys allowed besides the checked ones (checked elsewhere, or file-only tags like `peft_type`). */
  readonly alsoKnown?: readonly string[];
  /**
   * Keys neither checked nor `alsoKnown`. Absent: each is an error with a did-you-mean (what a user
   * writes). A foreign-field rule: the file's library wrote them; see foreign-fields.ts (a key in
   * neither table is taken only when off, unless it looks like a typo of a known one).
   */
  readonly foreign?: ForeignFieldRule;
  /** The words after the key for a bad value; default `expected X, got Y`. */
  readonly badValue?: (expected: string, value: unknown) => string;
  /** Whether null is checked like any value (default: null means "unset" and passes). */
  readonly checkNull?: boolean;
}

export interface CheckedFields {
  /** Unknown keys first, then bad values in table order. */
  readonly problems: readonly ConfigProblem[];
  /** The foreign fields a file carried at neutral values, to write back on save. */
  readonly foreign: Record<string, unknown>;
}

const expectedGot = (expected: string, value: unknown): string => `expected ${expected}, got ${describeValue(value)}`;

/** Checks `raw` against a table of checks: one pass, every problem with its key path. */
export function checkFields(raw: Readonly<Record<string, unknown>>, table: Readonly<Record<string, Check>>, opts: CheckFieldsOptions = {}): CheckedFields {
  const at = opts.at ?? [];
  const known = [...Object.keys(table), ...(opts.alsoKnown ?? [])];
  const problems: ConfigProblem[] = [];
  const foreign: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (known.includes(key)) continue;
    const path = [...at, key];
    if (!opts.foreign) {
      problems.push(unknownKey(path, known));
      continue;
    }
    const field = opts.foreign.fields[key];
    const typo = field ? null : unknownKey(path, [...known, ...Object.keys(opts.foreign.fields)]);
    // A field in no table: a typo of a known one is reported as such; any other is judged by the rule's default (off).
    if (typo?.unknown?.hint) problems.push(typo);
    else if (!(field ?? UNLISTED).neutral(value, raw)) problems.push({ path, detail: field ? foreignRefusal(field, value, opts.foreign.library) : unlistedRefusal(value, opts.foreign.library) });
    else foreign[key] = value;
  }
  const badValue = opts.badValue ?? expectedGot;
  for (const [key, check] of Object.entries(table)) {
    const value = raw[key];
    if (value === undefined || (value === null && !opts.checkNull)) continue;
    const expected = check(value);
    if (expected !== undefined) problems.push({ path: [...at, key], detail: badValue(expected, value) });
  }
  return { problems, foreign };
}

/** `defaults` overlaid with what `raw` sets (undefined and null leave a default in place). */
export function withDefaults<T extends object>(defaults: T, raw: Readonly<Record<string, unknown>>): T {
  const set = Object.entries(raw).filter(([k, v]) => Object.hasOwn(defaults, k) && v !== undefined && v !== null);
  return { ...defaults, ...Object.fromEntries(set) };
}
