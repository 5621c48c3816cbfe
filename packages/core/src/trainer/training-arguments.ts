import { type LrSchedulerType, LR_SCHEDULES } from '../optim/lr-schedule.js';
import { ConfigFieldError, type ConfigProblem } from '../config/config-field-error.js';
import { type Check, type RangeOptions, checks, inRange, isConfigMapping, rule } from '../config/field-checks.js';
import { ZERO_STAGES, type ZeroStage } from '../distributed/zero-stage.js';
import { type FieldTable, checkFields, checksOf } from '../config/field-table.js';
import { HF_ONLY_ARGUMENT_NAMES, screenHfOnlyArguments } from './hf-only-arguments.js';

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
  /**
   * Explicit warmup steps win over `warmup_ratio` (HF `get_warmup_steps`). A fraction in (0, 1) is
   * a ratio of the total steps, as transformers 5 reads it; the parser moves it to `warmup_ratio`.
   */
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
  /** HF's name: train into an `output_dir` that holds files (its old checkpoints are removed); otherwise a used folder is refused. */
  overwrite_output_dir: boolean;
  /** A step whose loss or gradient norm is NaN/Inf is skipped (no update) and counted, instead of stopping the run. */
  skip_nonfinite_steps: boolean;
  /** Several processes: 1 shards the optimizer state over the ranks, 2 the gradients too (DeepSpeed's ZeRO stages); 0 = plain data parallel. */
  zero_stage: ZeroStage;
  /** Gradients travel between ranks in buckets of this many MiB (HF's `ddp_bucket_cap_mb`); null is DDP's 25. */
  ddp_bucket_cap_mb: number | null;
  /**
   * Where `log`/`eval` metrics go (HF's name): `jsonl` (`<output_dir>/metrics.jsonl`), `tensorboard`
   * (event files under `logging_dir`). Given as a name or a list; `all` is every one of them, `none`
   * none. Parsed into the list of names. Default `jsonl` (HF's is `none`; TuneKit always wrote metrics.jsonl).
   */
  report_to: ReportTo[];
  /** TensorBoard's folder; null: `$TENSORBOARD_LOGGING_DIR`, else HF's `<output_dir>/runs/<Mon DD_HH-MM-SS>_<host>`. */
  logging_dir: string | null;
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `${JSON.stringify(v)} (${typeof v})`);

const number = (opts: RangeOptions = {}): Check => checks.range(opts);
const oneOf = (choices: readonly string[]): Check => checks.oneOf(choices, `one of ${choices.join(', ')}`);
const nullable = checks.nullable;
const pathOrBoolean = rule((v) => typeof v === 'boolean' || (typeof v === 'string' && v.length > 0), 'a checkpoint path or true/false');
/** HF's logging/eval/save steps: an integer >= 1, or a fraction of the total steps in (0, 1). */
const interval = rule((v) => inRange(v, { integer: true, min: 1 }) || inRange(v, { above: 0, below: 1 }), 'an integer >= 1 or a fraction in (0, 1)');

const STRATEGIES = ['no', 'steps', 'epoch'] as const;

/** The reporting integrations TuneKit has, under HF's `report_to` names. */
export const REPORT_TO_INTEGRATIONS = ['jsonl', 'tensorboard'] as const;
export type ReportTo = (typeof REPORT_TO_INTEGRATIONS)[number];
/** HF's words for all or none of them; each stands alone. */
const REPORT_TO_KEYWORDS: Readonly<Record<string, readonly ReportTo[]>> = { all: REPORT_TO_INTEGRATIONS, none: [] };
/**
 * HF's other integrations: a config written for transformers names them, so they are accepted and
 * dropped with a warning (the run still writes metrics.jsonl when nothing else is left).
 */
const HF_ONLY_INTEGRATIONS: readonly string[] = ['azure_ml', 'clearml', 'codecarbon', 'comet_ml', 'dagshub', 'dvclive', 'flyte', 'mlflow', 'neptune', 'swanlab', 'trackio', 'wandb'];
const REPORT_TO_WORDS = `${[...REPORT_TO_INTEGRATIONS, ...Object.keys(REPORT_TO_KEYWORDS)].join(', ')}`;
const reportToList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const reportTo = rule((v) => {
  const names = reportToList(v);
  if (names.some((n) => typeof n === 'string' && n in REPORT_TO_KEYWORDS)) return names.length === 1;
  return names.every((n) => (REPORT_TO_INTEGRATIONS as readonly unknown[]).includes(n) || HF_ONLY_INTEGRATIONS.includes(n as string));
}, `a name or list of names from ${REPORT_TO_WORDS} (all and none stand alone)`);
/** `none`, `all`, one name or a list of names, as the list of integrations to report to. */
const resolveReportTo = (v: unknown, warnings: string[]): ReportTo[] => {
  const names = reportToList(v) as string[];
  const foreign = names.filter((n) => HF_ONLY_INTEGRATIONS.includes(n));
  const own = names.filter((n) => !HF_ONLY_INTEGRATIONS.includes(n));
  const kept = own.length || !foreign.length ? own : ['jsonl'];
  if (foreign.length) warnings.push(`report_to: ${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not integrated here; metrics go to ${kept.length ? kept.join(' and ') : 'no file'} (${REPORT_TO_INTEGRATIONS.join(' and ')} are)`);
  return [...new Set(REPORT_TO_KEYWORDS[kept[0]] ?? (kept as ReportTo[]))];
};

/** One row per argument: its HF default and its check. The type ties the table to the interface. */
const FIELDS: FieldTable<{ [K in keyof TrainingArguments]: TrainingArguments[K] | undefined }> = {
  output_dir: { default: 'trainer_output', check: checks.nonEmptyString },
  num_train_epochs: { default: 3, check: number({ min: 0 }) },
  max_steps: { default: -1, check: (v) => (v === -1 ? undefined : number({ integer: true, min: 1 })(v)) },
  per_device_train_batch_size: { default: 8, check: number({ integer: true, min: 1 }) },
  per_device_eval_batch_size: { default: 8, check: number({ integer: true, min: 1 }) },
  gradient_accumulation_steps: { default: 1, check: number({ integer: true, min: 1 }) },
  learning_rate: { default: 5e-5, check: number({ min: 0 }) },
  lr_scheduler_type: { default: 'linear', check: oneOf(Object.keys(LR_SCHEDULES)) },
  warmup_steps: { default: 0, check: rule((v) => inRange(v, { integer: true, min: 0 }) || inRange(v, { above: 0, below: 1 }), 'an integer >= 0 or a fraction in (0, 1)') },
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
  load_best_model_at_end: { default: false, check: checks.bool },
  metric_for_best_model: { default: null, check: nullable(checks.nonEmptyString) },
  greater_is_better: { default: null, check: nullable(checks.bool) },
  early_stopping_patience: { default: null, check: nullable(number({ integer: true, min: 1 })) },
  early_stopping_threshold: { default: 0, check: number({ min: 0 }) },
  seed: { default: 42, check: number({ integer: true, min: 0, max: 2 ** 32 - 1 }) },
  resume_from_checkpoint: { default: null, check: nullable(pathOrBoolean) },
  gradient_checkpointing: { default: false, check: checks.bool },
  overwrite_output_dir: { default: false, check: checks.bool },
  skip_nonfinite_steps: { default: false, check: checks.bool },
  zero_stage: { default: 0, check: rule((v) => ZERO_STAGES.includes(v as ZeroStage), `one of ${ZERO_STAGES.join(', ')}`) },
  ddp_bucket_cap_mb: { default: null, check: nullable(number({ above: 0 })) },
  report_to: { default: ['jsonl'], check: reportTo },
  logging_dir: { default: null, check: nullable(checks.nonEmptyString) },
};

export const TRAINING_ARGUMENT_NAMES = Object.keys(FIELDS) as (keyof TrainingArguments)[];

/** Every name a `training:` section accepts: TuneKit's fields and the rest of HF's (see hf-only-arguments.ts). */
export const ACCEPTED_TRAINING_ARGUMENT_NAMES: readonly string[] = [...TRAINING_ARGUMENT_NAMES, ...HF_ONLY_ARGUMENT_NAMES.filter((n) => !(n in FIELDS))];

/** Every problem on its own line under one heading, each as `key what is wrong` (HF's phrasing). */
export class TrainingArgumentsError extends ConfigFieldError {
  override readonly name = 'TrainingArgumentsError';

  constructor(problems: readonly ConfigProblem[], message = `invalid training arguments:\n  ${problems.map(trainingLine).join('\n  ')}`) {
    super('training arguments', problems, message);
  }
}

function trainingLine(p: ConfigProblem): string {
  const key = p.path.join('.');
  return p.unknown ? `unknown training argument '${key}'${p.unknown.hint ? ` (did you mean '${p.unknown.hint}'?)` : ''}` : `${key} ${p.detail}`;
}

/** Relations between arguments that HF checks in `TrainingArguments.__post_init__`, each reported under the argument it names first. */
const CROSS_CHECKS: readonly ((a: TrainingArguments) => ConfigProblem | null)[] = [
  (a) => (a.max_steps === -1 && a.num_train_epochs === 0 ? { path: ['num_train_epochs'], detail: 'must be > 0 when max_steps is not set' } : null),
  (a) =>
    a.load_best_model_at_end && (a.eval_strategy === 'no' || a.eval_strategy !== a.save_strategy)
      ? { path: ['load_best_model_at_end'], detail: `needs save_strategy equal to eval_strategy (not 'no'), got save_strategy '${a.save_strategy}' and eval_strategy '${a.eval_strategy}'` }
      : null,
  (a) =>
    a.load_best_model_at_end && a.eval_strategy === 'steps' && a.save_steps >= 1 && a.eval_steps >= 1 && a.save_steps % a.eval_steps !== 0
      ? { path: ['load_best_model_at_end'], detail: `needs save_steps (${a.save_steps}) to be a multiple of eval_steps (${a.eval_steps})` }
      : null,
  (a) => (a.early_stopping_patience !== null && a.eval_strategy === 'no' ? { path: ['early_stopping_patience'], detail: "needs an eval_strategy other than 'no'" } : null),
];

/**
 * Validates a plain object (parsed YAML/JSON, CLI flags) into `TrainingArguments`: unknown keys are
 * rejected with a did-you-mean, wrong types name the key, missing keys take HF's defaults. HF names
 * TuneKit has no field for are taken out first: `warnings` receives one line for each that cannot
 * apply here, and one that would change the math is an error.
 */
export function parseTrainingArguments(input: unknown, warnings?: string[]): TrainingArguments {
  if (!isConfigMapping(input)) {
    throw new TrainingArgumentsError([{ path: [], detail: `must be an object, got ${describe(input)}` }], `training arguments must be an object, got ${describe(input)}`);
  }
  const screened = screenHfOnlyArguments(input, TRAINING_ARGUMENT_NAMES);
  const { problems } = checkFields(screened.rest, checksOf(FIELDS), {
    checkNull: true,
    alsoKnown: HF_ONLY_ARGUMENT_NAMES,
    badValue: (expected, v) => `must be ${expected}, got ${describe(v)}`,
  });
  if (problems.length || screened.problems.length) throw new TrainingArgumentsError([...problems, ...screened.problems]);
  warnings?.push(...screened.warnings);
  const out: Record<string, unknown> = { ...screened.rest };
  for (const key of TRAINING_ARGUMENT_NAMES) if (out[key] === undefined || (key === 'eval_steps' && out[key] === null)) out[key] = FIELDS[key].default;

  const args = out as unknown as TrainingArguments;
  if (args.warmup_steps > 0 && args.warmup_steps < 1) [args.warmup_ratio, args.warmup_steps] = [args.warmup_steps, 0];
  args.eval_steps ??= args.logging_steps;
  args.report_to = resolveReportTo(args.report_to, warnings ?? []);
  const needsMetric = args.load_best_model_at_end || args.early_stopping_patience !== null;
  if (needsMetric) args.metric_for_best_model ??= 'loss';
  if (args.metric_for_best_model !== null) args.greater_is_better ??= !args.metric_for_best_model.endsWith('loss');
  const crossProblems = CROSS_CHECKS.map((check) => check(args)).filter((p): p is ConfigProblem => p !== null);
  if (crossProblems.length) throw new TrainingArgumentsError(crossProblems);
  return args;
}

/** HF prefixes a best-model metric with `eval_` unless it already has it. */
export const evalMetricKey = (metric: string): string => (metric.startsWith('eval_') ? metric : `eval_${metric}`);

/** Resolves a logging/eval/save interval: a fraction of the total steps is rounded up, as in HF. */
export const resolveInterval = (value: number, maxSteps: number): number => (value < 1 ? Math.max(1, Math.ceil(maxSteps * value)) : value);
