import { type LrSchedulerType, LR_SCHEDULES } from '../optim/lr-schedule.js';
import { closestName } from '../config/did-you-mean.js';

/** When to evaluate or save (HF `IntervalStrategy`). */
export type IntervalStrategy = 'no' | 'steps' | 'epoch';

/** Optimizer names as HF spells `optim`; `adamw` is accepted as a short alias of `adamw_torch`. */
export const OPTIMIZER_NAMES = ['adamw_torch', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * The trainer's options under Hugging Face `TrainingArguments` names, so a config written for
 * transformers reads the same here. Fields HF resolves in `__post_init__` are resolved by
 * `parseTrainingArguments` (`eval_steps`, `metric_for_best_model`, `greater_is_better`).
 */
export interface TrainingArguments {
  output_dir: string;
  num_train_epochs: number;
  /** > 0 overrides `num_train_epochs`; -1 (HF's default) means "from the epochs". */
  max_steps: number;
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
  gradient_accumulation_steps: number;
  learning_rate: number;
  lr_scheduler_type: LrSchedulerType;
  /** Explicit warmup steps win over `warmup_ratio` (HF `get_warmup_steps`). */
  warmup_steps: number;
  warmup_ratio: number;
  weight_decay: number;
  optim: OptimizerName;
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  /** Global L2 clipping norm; 0 disables clipping (grad_norm is still reported). */
  max_grad_norm: number;
  /** Steps between `log` events; a value in (0, 1) is a fraction of the total steps, as in HF. */
  logging_steps: number;
  eval_strategy: IntervalStrategy;
  /** Defaults to `logging_steps` (HF); (0, 1) is a fraction of the total steps. */
  eval_steps: number;
  save_strategy: IntervalStrategy;
  save_steps: number;
  /** Keep at most this many checkpoints (oldest deleted first, the best one never); null keeps all. */
  save_total_limit: number | null;
  load_best_model_at_end: boolean;
  /** An eval metric name, `eval_` prefix optional (HF adds it); defaults to `loss` when something needs it. */
  metric_for_best_model: string | null;
  /** Defaults to true unless the metric ends in `loss` (HF). Null when no metric is in use. */
  greater_is_better: boolean | null;
  /** HF's EarlyStoppingCallback(early_stopping_patience): evals without improvement before stopping; null = off. */
  early_stopping_patience: number | null;
  /** HF's EarlyStoppingCallback(early_stopping_threshold): the least change that counts as an improvement. */
  early_stopping_threshold: number;
  seed: number;
  /** A checkpoint directory, or `true` for the latest `checkpoint-N` under `output_dir`. */
  resume_from_checkpoint: string | boolean | null;
  gradient_checkpointing: boolean;
}

/** Returns a description of what is wrong with `v`, or null when it is acceptable. */
type Check = (v: unknown) => string | null;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `${JSON.stringify(v)} (${typeof v})`);

const number =
  (opts: { min?: number; max?: number; integer?: boolean; above?: number } = {}): Check =>
  (v) => {
    const what = opts.integer ? 'an integer' : 'a number';
    const bounds = [
      opts.min !== undefined ? `>= ${opts.min}` : '',
      opts.above !== undefined ? `> ${opts.above}` : '',
      opts.max !== undefined ? `<= ${opts.max}` : '',
    ].filter(Boolean);
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!opts.integer || Number.isInteger(v)) &&
      (opts.min === undefined || v >= opts.min) &&
      (opts.above === undefined || v > opts.above) &&
      (opts.max === undefined || v <= opts.max);
    return ok ? null : `must be ${what}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got ${describe(v)}`;
  };

const boolean: Check = (v) => (typeof v === 'boolean' ? null : `must be true or false, got ${describe(v)}`);
const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : `must be a non-empty string, got ${describe(v)}`);
const oneOf =
  (choices: readonly string[]): Check =>
  (v) => (typeof v === 'string' && choices.includes(v) ? null : `must be one of ${choices.join(', ')}, got ${describe(v)}`);
const nullable =
  (check: Check): Check =>
  (v) => (v === null ? null : check(v));
const pathOrBoolean: Check = (v) =>
  typeof v === 'boolean' || (typeof v === 'string' && v.length > 0) ? null : `must be a checkpoint path or true/false, got ${describe(v)}`;
/** HF's logging/eval/save steps: an integer >= 1, or a fraction of the total steps in (0, 1). */
const interval: Check = (v) =>
  typeof v === 'number' && ((Number.isInteger(v) && v >= 1) || (v > 0 && v < 1)) ? null : `must be an integer >= 1 or a fraction in (0, 1), got ${describe(v)}`;

const STRATEGIES = ['no', 'steps', 'epoch'] as const;

interface Field<T> {
  default: T;
  check: Check;
}

/** One row per argument: its HF default and its check. The type ties the table to the interface. */
const FIELDS: { [K in keyof TrainingArguments]: Field<TrainingArguments[K] | undefined> } = {
  output_dir: { default: 'trainer_output', check: string },
  num_train_epochs: { default: 3, check: number({ min: 0 }) },
  max_steps: { default: -1, check: (v) => (v === -1 ? null : number({ integer: true, min: 1 })(v)) },
  per_device_train_batch_size: { default: 8, check: number({ integer: true, min: 1 }) },
  per_device_eval_batch_size: { default: 8, check: number({ integer: true, min: 1 }) },
  gradient_accumulation_steps: { default: 1, check: number({ integer: true, min: 1 }) },
  learning_rate: { default: 5e-5, check: number({ min: 0 }) },
  lr_scheduler_type: { default: 'linear', check: oneOf(Object.keys(LR_SCHEDULES)) },
  warmup_steps: { default: 0, check: number({ integer: true, min: 0 }) },
  warmup_ratio: { default: 0, check: number({ min: 0, max: 1 }) },
  weight_decay: { default: 0, check: number({ min: 0 }) },
  optim: { default: 'adamw_torch', check: oneOf(OPTIMIZER_NAMES) },
  adam_beta1: { default: 0.9, check: number({ min: 0, max: 0.999999999 }) },
  adam_beta2: { default: 0.999, check: number({ min: 0, max: 0.999999999 }) },
  adam_epsilon: { default: 1e-8, check: number({ min: 0 }) },
  max_grad_norm: { default: 1, check: number({ min: 0 }) },
  logging_steps: { default: 500, check: interval },
  eval_strategy: { default: 'no', check: oneOf(STRATEGIES) },
  eval_steps: { default: undefined, check: nullable(interval) },
  save_strategy: { default: 'steps', check: oneOf(STRATEGIES) },
  save_steps: { default: 500, check: interval },
  save_total_limit: { default: null, check: nullable(number({ integer: true, min: 1 })) },
  load_best_model_at_end: { default: false, check: boolean },
  metric_for_best_model: { default: null, check: nullable(string) },
  greater_is_better: { default: null, check: nullable(boolean) },
  early_stopping_patience: { default: null, check: nullable(number({ integer: true, min: 1 })) },
  early_stopping_threshold: { default: 0, check: number({ min: 0 }) },
  seed: { default: 42, check: number({ integer: true, min: 0, max: 2 ** 32 - 1 }) },
  resume_from_checkpoint: { default: null, check: nullable(pathOrBoolean) },
  gradient_checkpointing: { default: false, check: boolean },
};

export const TRAINING_ARGUMENT_NAMES = Object.keys(FIELDS) as (keyof TrainingArguments)[];

export class TrainingArgumentsError extends Error {
  override readonly name = 'TrainingArgumentsError';
}

/** Relations between arguments that HF checks in `TrainingArguments.__post_init__`. */
const CROSS_CHECKS: readonly ((a: TrainingArguments) => string | null)[] = [
  (a) => (a.max_steps === -1 && a.num_train_epochs === 0 ? 'num_train_epochs must be > 0 when max_steps is not set' : null),
  (a) =>
    a.load_best_model_at_end && (a.eval_strategy === 'no' || a.eval_strategy !== a.save_strategy)
      ? `load_best_model_at_end needs save_strategy equal to eval_strategy (not 'no'), got save_strategy '${a.save_strategy}' and eval_strategy '${a.eval_strategy}'`
      : null,
  (a) =>
    a.load_best_model_at_end && a.eval_strategy === 'steps' && a.save_steps >= 1 && a.eval_steps >= 1 && a.save_steps % a.eval_steps !== 0
      ? `load_best_model_at_end needs save_steps (${a.save_steps}) to be a multiple of eval_steps (${a.eval_steps})`
      : null,
  (a) => (a.early_stopping_patience !== null && a.eval_strategy === 'no' ? "early_stopping_patience needs an eval_strategy other than 'no'" : null),
];

/**
 * Validates a plain object (parsed YAML/JSON, CLI flags) into `TrainingArguments`: unknown keys are
 * rejected with a did-you-mean, wrong types name the key, missing keys take HF's defaults.
 */
export function parseTrainingArguments(input: unknown): TrainingArguments {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TrainingArgumentsError(`training arguments must be an object, got ${describe(input)}`);
  }
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(FIELDS, key)) {
      const hint = closestName(key, TRAINING_ARGUMENT_NAMES);
      problems.push(`unknown training argument '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      continue;
    }
    const problem = value === undefined ? null : FIELDS[key as keyof TrainingArguments].check(value);
    if (problem) problems.push(`${key} ${problem}`);
    out[key] = value;
  }
  if (problems.length) throw new TrainingArgumentsError(`invalid training arguments:\n  ${problems.join('\n  ')}`);
  for (const key of TRAINING_ARGUMENT_NAMES) if (out[key] === undefined || (key === 'eval_steps' && out[key] === null)) out[key] = FIELDS[key].default;

  const args = out as unknown as TrainingArguments;
  args.eval_steps ??= args.logging_steps;
  const needsMetric = args.load_best_model_at_end || args.early_stopping_patience !== null;
  if (needsMetric) args.metric_for_best_model ??= 'loss';
  if (args.metric_for_best_model !== null) args.greater_is_better ??= !args.metric_for_best_model.endsWith('loss');
  const crossProblems = CROSS_CHECKS.map((check) => check(args)).filter((p): p is string => p !== null);
  if (crossProblems.length) throw new TrainingArgumentsError(`invalid training arguments:\n  ${crossProblems.join('\n  ')}`);
  return args;
}

/** HF prefixes a best-model metric with `eval_` unless it already has it. */
export const evalMetricKey = (metric: string): string => (metric.startsWith('eval_') ? metric : `eval_${metric}`);

/** Resolves a logging/eval/save interval: a fraction of the total steps is rounded up, as in HF. */
export const resolveInterval = (value: number, maxSteps: number): number => (value < 1 ? Math.max(1, Math.ceil(maxSteps * value)) : value);
