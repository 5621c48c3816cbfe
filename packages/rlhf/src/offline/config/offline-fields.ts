import { type Check, type ConfigProblem, ConfigFieldError, type FieldSpec, checkFields, checks, isConfigMapping, rule } from '@tunekit/core';

/** A bad offline-task section; each line reads `dpo.key: what is wrong`. */
export class OfflineConfigError extends ConfigFieldError {
  override readonly name = 'OfflineConfigError';

  constructor(section: string, problems: readonly ConfigProblem[]) {
    super(section, problems, problems.map((p) => `${[section, ...p.path].join('.')}: ${p.detail}`).join('\n'));
  }
}

const field = <V>(check: Check, def: V): FieldSpec<V> => ({ check, default: def });
const nullablePositiveInt = checks.nullable(checks.positiveInt);

/** What every offline task shares with TRL's configs: lengths (the data pipeline applies them) and dropout. */
export const SEQUENCE_FIELDS = {
  beta: field(checks.range({ above: 0 }), 0.1),
  max_length: field<number | null>(nullablePositiveInt, 1024),
  max_prompt_length: field<number | null>(nullablePositiveInt, null),
  max_completion_length: field<number | null>(nullablePositiveInt, null),
  disable_dropout: field(checks.bool, true),
};

/** The reference model's fields (DPO and KTO). */
export const REFERENCE_FIELDS = {
  precompute_ref_log_probs: field(checks.bool, false),
  ref_model: field<string | null>(checks.nullable(checks.nonEmptyString), null),
};

/**
 * A TRL field TuneKit does not implement: only its default is accepted, and any other value is an
 * error naming the field (a silently ignored option would change the math).
 */
export const onlyDefault = <V>(def: V, why: string): FieldSpec<V> =>
  field(rule((v) => v === def, `${JSON.stringify(def)} (${why})`), def);

/** Validates `raw` against `table` (unknown keys get a did-you-mean) and throws every problem at once. */
export function checkSection(section: string, raw: unknown, table: Readonly<Record<string, FieldSpec<unknown>>>, extra: (raw: Record<string, unknown>) => ConfigProblem[] = () => []): Record<string, unknown> {
  if (!isConfigMapping(raw)) throw new OfflineConfigError(section, [{ path: [], detail: 'expected a mapping' }]);
  const checksTable = Object.fromEntries(Object.entries(table).map(([k, f]) => [k, f.check]));
  const { problems } = checkFields(raw, checksTable);
  const all = problems.length ? problems : extra(raw);
  if (all.length) throw new OfflineConfigError(section, all);
  return raw;
}
