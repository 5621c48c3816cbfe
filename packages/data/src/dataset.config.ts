import { TRUNCATION_SIDES, type TruncationSide } from './batching/truncate.js';
import { FORMAT_NAMES } from './formats/format.registry.js';
import type { ColumnMap, FormatName } from './formats/format.types.js';

/** The `dataset:` section of a run config; keys are spelled as in the YAML. */
export interface DatasetConfig {
  /** A file, a glob, an hf://datasets/... reference, or a list of them. */
  readonly path: string | readonly string[];
  readonly format: 'auto' | FormatName;
  readonly columns: ColumnMap;
  readonly max_length: number;
  readonly truncation_side: TruncationSide;
  readonly packing: boolean;
  readonly train_on_inputs: boolean;
  readonly skip_bad_rows: boolean;
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
  validation_split: 0,
  seed: 42,
  shuffle: true,
  group_by_length: false,
  pad_to_multiple_of: 8,
  chat_template_kwargs: {},
};

type Check = (value: unknown) => string | undefined;

const isPaths = (v: unknown): boolean => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string'));
const isStringMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => typeof s === 'string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'a positive integer');
const oneOf = (choices: readonly string[]): Check => (v) => (choices.includes(v as string) ? undefined : `one of ${choices.join('|')}`);

/** What each key must hold, as the text after "expected". */
const CHECKS: Record<keyof DatasetConfig, Check> = {
  path: (v) => (isPaths(v) ? undefined : 'a path, a glob or a list of them'),
  format: oneOf(['auto', ...FORMAT_NAMES]),
  columns: (v) => (isStringMap(v) ? undefined : 'a mapping of format field to column name'),
  max_length: positiveInt,
  truncation_side: oneOf(TRUNCATION_SIDES),
  packing: bool,
  train_on_inputs: bool,
  skip_bad_rows: bool,
  validation_split: (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'a number in [0, 1)'),
  validation_path: (v) => (isPaths(v) ? undefined : 'a path, a glob or a list of them'),
  seed: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a non-negative integer'),
  shuffle: bool,
  group_by_length: bool,
  pad_to_multiple_of: positiveInt,
  chat_template_kwargs: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'a mapping'),
};

/** Validates a `dataset:` section from user config and fills in defaults. */
export function parseDatasetConfig(raw: unknown): DatasetConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('dataset: expected a mapping');
  const input = raw as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    const check = CHECKS[key as keyof DatasetConfig] as Check | undefined;
    if (!check) throw new Error(`dataset.${key}: unknown key; expected one of ${Object.keys(CHECKS).join(', ')}`);
    const expected = value === undefined ? undefined : check(value);
    if (expected) throw new Error(`dataset.${key}: expected ${expected}, got ${JSON.stringify(value)}`);
  }
  if (input.path === undefined) throw new Error('dataset.path: required');
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...DATASET_DEFAULTS, ...defined } as DatasetConfig;
}
