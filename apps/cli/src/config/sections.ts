import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ACCEPTED_TRAINING_ARGUMENT_NAMES, ConfigFieldError, type TrainingArguments, parseTrainingArguments } from '@tunekit/core';
import { DATASET_DEFAULTS, type DatasetConfig, parseDatasetConfig } from '@tunekit/data';
import { ConfigError, type KeyPath, type Locate, describeValue, isMapping, unknownKeyDetail } from './config-error.js';
import { type Check, check, checkFields } from './field-checks.js';
import { ACCURACY_METRICS, type EvaluationConfig, type ModelSpec } from './run-config.types.js';

/** Where a section is parsed: how to point at a key, and the folder relative paths start from. */
export interface SectionContext {
  readonly locate: Locate;
  readonly baseDir: string;
}

/**
 * Runs a package's own parser over a section. Unknown keys are caught first when the keys are
 * known here (so every section gets the same did-you-mean; a plugin method's parser does its own).
 * A package's ConfigFieldError carries the key path it rejects, which is pointed at its line; any
 * other error is reported against the section.
 */
export function delegate<T>(section: string, raw: Record<string, unknown>, known: readonly string[] | null, parse: () => T, locate: Locate): T {
  for (const [key, value] of Object.entries(raw)) {
    if (known && !known.includes(key)) throw new ConfigError(locate, [section, key], unknownKeyDetail(key, known));
    // YAML reads .nan and .inf as numbers; no setting means them, and parsers tend to print NaN as null.
    if (typeof value === 'number' && !Number.isFinite(value)) throw new ConfigError(locate, [section, key], `expected a finite number, got ${value}`);
  }
  try {
    return parse();
  } catch (e) {
    if (e instanceof ConfigFieldError) throw ConfigError.fromPackage(locate, [section], e);
    throw new ConfigError(locate, [section], (e as Error).message.replace(/\s*\n\s*/g, '; '));
  }
}

/** Drops keys written without a value (`max_length:`), which mean "the default". */
export const withoutNulls = (raw: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));

/** Hub ids stay as they are; anything path-shaped, or present on disk, is taken relative to the config. */
const LOOKS_LIKE_PATH = /^(?:[./~]|[A-Za-z]:[\\/])|\\/;
function modelLocation(path: string, baseDir: string): string {
  if (isAbsolute(path)) return path;
  const local = resolve(baseDir, path);
  return LOOKS_LIKE_PATH.test(path) || existsSync(local) ? local : path;
}

const MODEL_FIELDS: Record<string, Check> = {
  path: check.string,
  revision: check.string,
  dtype: check.oneOf(['f32', 'bf16']),
  // LLaMA-Factory's name: start from the architecture's random init (pretraining), not its weights.
  train_from_scratch: check.bool,
};

export function parseModelSection(raw: unknown, ctx: SectionContext): ModelSpec {
  const path: KeyPath = ['model'];
  if (raw === undefined || raw === null) throw new ConfigError(ctx.locate, path, 'required: a model folder or Hub id');
  if (typeof raw === 'string') return { path: modelLocation(raw, ctx.baseDir), dtype: 'f32' };
  const fields = withoutNulls(checkFields(raw, path, MODEL_FIELDS, ctx.locate));
  if (fields.path === undefined) throw new ConfigError(ctx.locate, [...path, 'path'], 'required: a model folder or Hub id');
  const spec: ModelSpec = {
    path: modelLocation(fields.path as string, ctx.baseDir),
    dtype: (fields.dtype as ModelSpec['dtype']) ?? 'f32',
    ...(fields.train_from_scratch === true ? { trainFromScratch: true } : {}),
  };
  return fields.revision === undefined ? spec : { ...spec, revision: fields.revision as string };
}

const DATA_KEYS = ['path', ...Object.keys(DATASET_DEFAULTS), 'validation_path'];

/** `data:` is the data package's config; `defaults` are what the task and the top-level seed imply. */
export function parseDataSection(raw: unknown, defaults: Partial<DatasetConfig>, ctx: SectionContext): DatasetConfig {
  if (raw === undefined || raw === null) throw new ConfigError(ctx.locate, ['data'], 'required: at least { path: FILE }');
  if (!isMapping(raw)) throw new ConfigError(ctx.locate, ['data'], `expected a mapping, got ${describeValue(raw)}`);
  const given = withoutNulls(raw);
  // Data paths stay as written: loadDataset resolves them from the config's folder and prints them as written.
  return delegate('data', given, DATA_KEYS, () => parseDatasetConfig({ ...defaults, ...given }), ctx.locate);
}

/**
 * `training:` holds Hugging Face TrainingArguments names; the core parser owns their checks and
 * defaults. HF names that cannot apply here add a line to `warnings` (`training.bf16: ...`).
 */
export function parseTrainingSection(raw: unknown, defaults: { seed: number }, ctx: SectionContext, warnings: string[] = []): TrainingArguments {
  if (raw !== undefined && raw !== null && !isMapping(raw)) throw new ConfigError(ctx.locate, ['training'], `expected a mapping, got ${describeValue(raw)}`);
  const given = withoutNulls(raw ?? {});
  const found: string[] = [];
  const args = delegate('training', given, ACCEPTED_TRAINING_ARGUMENT_NAMES, () => parseTrainingArguments({ ...defaults, ...given }, found), ctx.locate);
  warnings.push(...found.map((w) => `training.${w}`));
  const resume = args.resume_from_checkpoint;
  return {
    ...args,
    output_dir: resolve(ctx.baseDir, args.output_dir),
    logging_dir: args.logging_dir === null ? null : resolve(ctx.baseDir, args.logging_dir),
    resume_from_checkpoint: typeof resume === 'string' ? resolve(ctx.baseDir, resume) : resume,
  };
}

const EVALUATION_FIELDS: Record<string, Check> = {
  path: check.string,
  metric: check.oneOf(ACCURACY_METRICS),
  max_new_tokens: check.positiveInt,
  chat: check.bool,
  batch_size: check.positiveInt,
  limit: check.positiveInt,
};

export function parseEvaluationSection(raw: unknown, ctx: SectionContext): EvaluationConfig | null {
  if (raw === undefined || raw === null) return null;
  const fields = withoutNulls(checkFields(raw, ['evaluation'], EVALUATION_FIELDS, ctx.locate));
  if (fields.path === undefined) throw new ConfigError(ctx.locate, ['evaluation', 'path'], 'required: a prompt/completion or messages file');
  return {
    metric: 'exact_match',
    max_new_tokens: 32,
    chat: false,
    batch_size: 8,
    limit: null,
    ...(fields as Partial<EvaluationConfig>),
    path: resolve(ctx.baseDir, fields.path as string),
  };
}
