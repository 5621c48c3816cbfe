import { jsonSyntaxMessage } from '../util/json-file.js';

/** One entry of the log history: a log or eval event's metrics plus its step (HF `log_history`). */
export type LogEntry = Readonly<Record<string, number>> & { readonly step: number };

/** Where the next micro-batch comes from: the data source's (epoch, index). */
export interface DataPosition {
  epoch: number;
  batch: number;
}

/**
 * What `trainer_state.json` holds: HF's `TrainerState` fields, plus the exact data position so a
 * resumed run continues with the micro-batch after the checkpoint rather than re-deriving it.
 */
export interface TrainerState {
  global_step: number;
  /** Fractional epochs done, as HF logs it. */
  epoch: number;
  max_steps: number;
  num_train_epochs: number;
  logging_steps: number;
  eval_steps: number;
  save_steps: number;
  train_batch_size: number;
  num_input_tokens_seen: number;
  log_history: LogEntry[];
  best_metric: number | null;
  best_global_step: number | null;
  best_model_checkpoint: string | null;
  data_position: DataPosition;
  /** Steps skipped for a NaN/Inf loss or gradient under `skip_nonfinite_steps` (absent in older checkpoints). */
  nonfinite_steps_skipped?: number;
}

export const TRAINER_STATE_FILE = 'trainer_state.json';

export function initialTrainerState(): TrainerState {
  return {
    global_step: 0,
    epoch: 0,
    max_steps: 0,
    num_train_epochs: 0,
    logging_steps: 0,
    eval_steps: 0,
    save_steps: 0,
    train_batch_size: 0,
    num_input_tokens_seen: 0,
    log_history: [],
    best_metric: null,
    best_global_step: null,
    best_model_checkpoint: null,
    data_position: { epoch: 0, batch: 0 },
  };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number';
const orNull =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === null || check(v);
const optional =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || check(v);

/** Field checks of a state read back from disk: a corrupted file is named, never half-trusted. */
const STATE_CHECKS: { [K in keyof TrainerState]-?: (v: unknown) => boolean } = {
  global_step: isCount,
  epoch: isNumber,
  max_steps: isCount,
  num_train_epochs: isNumber,
  logging_steps: isNumber,
  eval_steps: isNumber,
  save_steps: isNumber,
  train_batch_size: isCount,
  num_input_tokens_seen: isCount,
  log_history: (v) => Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && isCount((e as LogEntry).step)),
  best_metric: orNull(isNumber),
  best_global_step: orNull(isCount),
  best_model_checkpoint: orNull((v) => typeof v === 'string'),
  nonfinite_steps_skipped: optional(isCount),
  data_position: (v) => typeof v === 'object' && v !== null && isCount((v as DataPosition).epoch) && isCount((v as DataPosition).batch),
};

export function parseTrainerState(json: string, file: string): TrainerState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${jsonSyntaxMessage(err)})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: expected a JSON object`);
  const bad = (Object.keys(STATE_CHECKS) as (keyof TrainerState)[]).filter((k) => !STATE_CHECKS[k]((raw as Record<string, unknown>)[k]));
  if (bad.length) throw new Error(`${file}: missing or malformed field(s) ${bad.join(', ')}`);
  return raw as TrainerState;
}

/** Whether `value` beats `best` (HF `_determine_best_metric`: strict improvement). */
export function isImprovement(value: number, best: number | null, greaterIsBetter: boolean, threshold = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return greaterIsBetter ? value > best + threshold : value < best - threshold;
}
