import type { TrainingArguments } from './training-arguments.js';

/**
 * Arguments that decide the math of the steps still to come: the LR schedule and its length, the
 * optimizer, clipping, the data order and how many examples make a step (the saved data position
 * counts batches, so another batch size would skip or repeat examples). A resumed run must match
 * its checkpoint in all of them, or it is a different run.
 */
const MUST_MATCH = [
  'per_device_train_batch_size',
  'gradient_accumulation_steps',
  'max_steps',
  'num_train_epochs',
  'learning_rate',
  'lr_scheduler_type',
  'warmup_steps',
  'warmup_ratio',
  'optim',
  'weight_decay',
  'adam_beta1',
  'adam_beta2',
  'adam_epsilon',
  'max_grad_norm',
  'seed',
] as const satisfies readonly (keyof TrainingArguments)[];

/** Bookkeeping that a resume changes by design, not worth a notice. */
const EXPECTED_TO_DIFFER = new Set(['output_dir', 'resume_from_checkpoint', 'overwrite_output_dir']);

const show = (v: unknown): string => JSON.stringify(v) ?? 'unset';
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface ResumeDifferences {
  /** `name: checkpoint X, config Y` for each argument that changes the math; resuming with any is refused. */
  readonly refused: string[];
  /** The same for every other argument that differs (logging, saving, evaluation): allowed, but named. */
  readonly allowed: string[];
}

/** Every argument of `saved` (the checkpoint's `training_args.json`) that the config sets otherwise. */
export function compareResumedArgs(saved: Readonly<Record<string, unknown>>, current: TrainingArguments): ResumeDifferences {
  const now = current as unknown as Record<string, unknown>;
  // The checkpoint's own keys: an argument added to TuneKit since it was written has nothing to compare.
  const keys = Object.keys(saved).filter((k) => !EXPECTED_TO_DIFFER.has(k)).sort();
  const differing = keys.filter((k) => !same(saved[k], now[k]));
  const line = (k: string): string => `${k}: checkpoint ${show(saved[k])}, config ${show(now[k])}`;
  const mustMatch = new Set<string>(MUST_MATCH);
  return { refused: differing.filter((k) => mustMatch.has(k)).map(line), allowed: differing.filter((k) => !mustMatch.has(k)).map(line) };
}
