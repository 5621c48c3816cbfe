import { type Check, type ConfigProblem, ConfigFieldError, type FieldTable, checkFields, checks, checksOf, optionLine } from '@tunekit/core';
import { PEFT_FOREIGN_FIELDS } from './foreign-fields.js';

/** Method configs on the core config kit, phrased as PEFT users know them: `lora config: unknown option "rank" (did you mean "r"?)`. */

/** A method config TuneKit cannot use; each problem carries its key path. */
export class PeftConfigError extends ConfigFieldError {
  override readonly name = 'PeftConfigError';

  constructor(where: string, problems: readonly ConfigProblem[]) {
    super(where, problems, problems.map((p) => optionLine(where, p)).join('\n'));
  }
}

/** One problem at `key` (null: the config as a whole). */
export const peftError = (where: string, key: string | null, detail: string): PeftConfigError => new PeftConfigError(where, [{ path: key === null ? [] : [key], detail }]);

/** `peft_type`, when given, must be the method's own. */
export const peftTypeCheck = (peftType: string): Check => checks.oneOf([peftType], `"${peftType}"`);

export interface PeftOptionsRead {
  /** A file PEFT wrote: its foreign fields are taken at neutral values (see foreign-fields.ts). A user's config: unknown keys are errors. */
  readonly fromPeftFile?: boolean;
  /** Keys allowed besides the table's (file-only tags). */
  readonly alsoKnown?: readonly string[];
}

/**
 * Checks options against a method's table (null means "unset"), throwing every problem at once,
 * and fills the table's defaults. Returns the config and the foreign fields a file carried.
 */
export function readPeftOptions<T extends object>(
  raw: Readonly<Record<string, unknown>>,
  table: FieldTable<T>,
  where: string,
  opts: PeftOptionsRead & { readonly extraChecks?: Readonly<Record<string, Check>> } = {},
): { config: T; foreign: Record<string, unknown> } {
  const { problems, foreign } = checkFields(raw, { ...opts.extraChecks, ...checksOf(table) }, {
    alsoKnown: opts.alsoKnown,
    foreign: opts.fromPeftFile ? PEFT_FOREIGN_FIELDS : undefined,
  });
  if (problems.length) throw new PeftConfigError(where, problems);
  const defaults = Object.fromEntries(Object.entries(table).map(([k, f]) => [k, (f as { default: unknown }).default]));
  const set = Object.entries(raw).filter(([k, v]) => Object.hasOwn(table, k) && v !== undefined && v !== null);
  return { config: { ...defaults, ...Object.fromEntries(set) } as T, foreign };
}

/** The config with the foreign fields it carried, when there are any. */
export const withForeign = <T extends object>(config: T, foreign: Record<string, unknown>): T => (Object.keys(foreign).length ? { ...config, foreign } : config);
