import { type Check, type ConfigProblem, ConfigFieldError, checkFields, checks, isConfigMapping, rule } from '@tunekit/core';
import { TRUNCATION_SIDES, type TruncationSide } from './batching/truncate.js';
import { FORMAT_NAMES } from './formats/format.registry.js';
import type { ColumnMap, FormatName } from './formats/format.types.js';
import { PREFERENCE_FORMAT_NAMES, type PreferenceFormatName } from './preference/preference-formats.js';

/** The `dataset:` section of a run config; keys are spelled as in the YAML. */
export interface DatasetConfig {
  /** A file, a glob, an hf://datasets/... reference, or a list of them. */
  readonly path: string | readonly string[];
  /** A record format of the SFT pipeline, or (read by the preference tasks) a preference format. */
  readonly format: 'auto' | FormatName | PreferenceFormatName;
  readonly columns: ColumnMap;
  readonly max_length: number;
  readonly truncation_side: TruncationSide;
  readonly packing: boolean;
  readonly train_on_inputs: boolean;
  readonly skip_bad_rows: boolean;
  /**
   * Refuse a text file with bytes that are not UTF-8, naming its first such line. Off: they are read
   * as U+FFFD and counted, with a warning naming the first line.
   */
  readonly strict_utf8: boolean;
  /** Fraction held out for validation; 0 for none. Ignored when `validation_path` is set. */
  readonly validation_split: number;
  readonly validation_path?: string | readonly string[];
  readonly seed: number;
  readonly shuffle: boolean;
  readonly group_by_length: boolean;
  readonly pad_to_multiple_of: number;
  /** Extra chat template variables (`enable_thinking: false`). */
  readonly chat_template_kwargs: Readonly<Record<string, unknown>>;
}

export type DatasetConfigInput = Partial<DatasetConfig> & Pick<DatasetConfig, 'path'>;

export const DATASET_DEFAULTS: Omit<DatasetConfig, 'path'> = {
  format: 'auto',
  columns: {},
  max_length: 1024,
  truncation_side: 'right',
  packing: false,
  train_on_inputs: false,
  skip_bad_rows: false,
  strict_utf8: false,
  validation_split: 0,
  seed: 42,
  shuffle: true,
  group_by_length: false,
  pad_to_multiple_of: 8,
  chat_template_kwargs: {},
};

const isPaths = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string'));
const isStringMap = (v: unknown): boolean => isConfigMapping(v) && Object.values(v).every((s) => typeof s === 'string');
const paths = rule(isPaths, 'a path, a glob or a list of them');

/** What each key must hold, as the text after "expected". */
const CHECKS: Record<keyof DatasetConfig, Check> = {
  path: paths,
  format: checks.oneOf(['auto', ...FORMAT_NAMES, ...PREFERENCE_FORMAT_NAMES]),
  columns: rule(isStringMap, 'a mapping of format field to column name'),
  max_length: checks.positiveInt,
  truncation_side: checks.oneOf(TRUNCATION_SIDES),
  packing: checks.bool,
  train_on_inputs: checks.bool,
  skip_bad_rows: checks.bool,
  strict_utf8: checks.bool,
  validation_split: checks.range({ min: 0, below: 1 }, 'a number in [0, 1)'),
  validation_path: paths,
  seed: rule((v) => Number.isInteger(v) && (v as number) >= 0, 'a non-negative integer'),
  shuffle: checks.bool,
  group_by_length: checks.bool,
  pad_to_multiple_of: checks.positiveInt,
  chat_template_kwargs: checks.mapping,
};

/** A bad `dataset:` section; each line reads `dataset.key: what is wrong`. */
export class DatasetConfigError extends ConfigFieldError {
  override readonly name = 'DatasetConfigError';

  constructor(problems: readonly ConfigProblem[]) {
    super('dataset', problems, problems.map((p) => `${['dataset', ...p.path].join('.')}: ${p.detail}`).join('\n'));
  }
}

/** Validates a `dataset:` section from user config and fills in defaults. */
export function parseDatasetConfig(raw: unknown): DatasetConfig {
  if (!isConfigMapping(raw)) throw new DatasetConfigError([{ path: [], detail: 'expected a mapping' }]);
  const { problems } = checkFields(raw, CHECKS, { checkNull: true });
  if (problems.length) throw new DatasetConfigError(problems);
  if (raw.path === undefined) throw new DatasetConfigError([{ path: ['path'], detail: 'required' }]);
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  return { ...DATASET_DEFAULTS, ...defined } as DatasetConfig;
}
