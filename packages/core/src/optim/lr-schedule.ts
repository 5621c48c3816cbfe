import type { Optimizer } from './optimizer.interface.js';

/** Hugging Face `lr_scheduler_type` names supported here. */
export type LrSchedulerType =
  | 'constant'
  | 'constant_with_warmup'
  | 'linear'
  | 'cosine'
  | 'cosine_with_restarts'
  | 'polynomial'
  | 'inverse_sqrt'
  | 'cosine_with_min_lr';

export interface LrScheduleOptions {
  /** Steps of linear warmup from 0 (HF `num_warmup_steps`); 0 by default. */
  warmupSteps?: number;
  /** Total optimizer steps (HF `num_training_steps`); required by every decaying schedule. */
  totalSteps?: number;
  /** Cosine cycles: 0.5 (half a cosine, down to 0) for `cosine`, 1 for `cosine_with_restarts`. */
  numCycles?: number;
  /** `cosine_with_min_lr` floor as an absolute lr (divided by `baseLr`)... */
  minLr?: number;
  /** ...or as a fraction of the initial lr; exactly one of the two must be set. */
  minLrRate?: number;
  /** `polynomial`: final lr (HF default 1e-7) and exponent (default 1). */
  lrEnd?: number;
  power?: number;
  /** `inverse_sqrt`: decay timescale; defaults to `warmupSteps`, or 10000 without warmup. */
  timescale?: number;
  /** The optimizer's default lr (torch `optimizer.defaults['lr']`), which HF uses to turn `minLr`/`lrEnd` into rates. */
  baseLr?: number;
}

/** Multiplier of each group's initial lr at a given optimizer step. */
export type LrLambda = (step: number) => number;
export type LrScheduleFactory = (options: LrScheduleOptions) => LrLambda;

/** HF's shared warmup: `step / max(1, warmup)`, then `after(step)`. */
function withWarmup(warmupSteps: number, after: LrLambda): LrLambda {
  return (step) => (step < warmupSteps ? step / Math.max(1, warmupSteps) : after(step));
}

function required(value: number | undefined, what: string, schedule: string): number {
  if (value === undefined) throw new Error(`${schedule} schedule requires ${what}`);
  return value;
}

/** Fraction of the post-warmup span done at `step`: HF's `progress`. */
function progressFn(warmup: number, total: number): (step: number) => number {
  return (step) => (step - warmup) / Math.max(1, total - warmup);
}

export const constantSchedule: LrScheduleFactory = () => () => 1;

export const constantWithWarmupSchedule: LrScheduleFactory = ({ warmupSteps = 0 }) => withWarmup(warmupSteps, () => 1);

/** get_linear_schedule_with_warmup: 0 -> 1 over warmup, then linearly down to 0 at `totalSteps`. */
export const linearSchedule: LrScheduleFactory = ({ warmupSteps = 0, totalSteps }) => {
  const total = required(totalSteps, 'totalSteps', 'linear');
  return withWarmup(warmupSteps, (step) => Math.max(0, (total - step) / Math.max(1, total - warmupSteps)));
};

/** get_cosine_schedule_with_warmup (num_cycles 0.5: half a cosine from 1 to 0). */
export const cosineSchedule: LrScheduleFactory = ({ warmupSteps = 0, totalSteps, numCycles = 0.5 }) => {
  const progress = progressFn(warmupSteps, required(totalSteps, 'totalSteps', 'cosine'));
  return withWarmup(warmupSteps, (step) => Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress(step)))));
};

/** get_cosine_with_hard_restarts_schedule_with_warmup. */
export const cosineWithRestartsSchedule: LrScheduleFactory = ({ warmupSteps = 0, totalSteps, numCycles = 1 }) => {
  const progress = progressFn(warmupSteps, required(totalSteps, 'totalSteps', 'cosine_with_restarts'));
  return withWarmup(warmupSteps, (step) => {
    const p = progress(step);
    return p >= 1 ? 0 : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((numCycles * p) % 1))));
  });
};

/** get_polynomial_decay_schedule_with_warmup: from 1 down to `lrEnd / baseLr`, held there after `totalSteps`. */
export const polynomialSchedule: LrScheduleFactory = ({ warmupSteps = 0, totalSteps, lrEnd = 1e-7, power = 1, baseLr }) => {
  const total = required(totalSteps, 'totalSteps', 'polynomial');
  const lrInit = required(baseLr, 'baseLr', 'polynomial');
  if (!(lrInit > lrEnd)) throw new Error(`polynomial schedule: lr end (${lrEnd}) must be smaller than initial lr (${lrInit})`);
  return withWarmup(warmupSteps, (step) => {
    if (step > total) return lrEnd / lrInit;
    const remaining = 1 - (step - warmupSteps) / (total - warmupSteps);
    return ((lrInit - lrEnd) * remaining ** power + lrEnd) / lrInit;
  });
};

/** get_inverse_sqrt_schedule: `1/sqrt((step + timescale - warmup) / timescale)` after warmup. */
export const inverseSqrtSchedule: LrScheduleFactory = ({ warmupSteps = 0, timescale }) => {
  const scale = timescale ?? (warmupSteps || 10_000);
  const shift = scale - warmupSteps;
  return withWarmup(warmupSteps, (step) => 1 / Math.sqrt((step + shift) / scale));
};

/** get_cosine_with_min_lr_schedule_with_warmup: the cosine rescaled to end at `minLrRate` instead of 0. */
export const cosineWithMinLrSchedule: LrScheduleFactory = ({ warmupSteps = 0, totalSteps, numCycles = 0.5, minLr, minLrRate, baseLr }) => {
  if (minLr !== undefined && minLrRate !== undefined) throw new Error('cosine_with_min_lr schedule: set only one of minLr or minLrRate');
  if (minLr === undefined && minLrRate === undefined) throw new Error('cosine_with_min_lr schedule requires minLr or minLrRate');
  const rate = minLrRate ?? minLr! / required(baseLr, 'baseLr (to convert minLr)', 'cosine_with_min_lr');
  const progress = progressFn(warmupSteps, required(totalSteps, 'totalSteps', 'cosine_with_min_lr'));
  return withWarmup(warmupSteps, (step) => {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress(step)));
    return Math.max(0, cosine * (1 - rate) + rate);
  });
};

/** Keyed by HF `lr_scheduler_type`, as in transformers' TYPE_TO_SCHEDULER_FUNCTION. */
export const LR_SCHEDULES: Readonly<Record<LrSchedulerType, LrScheduleFactory>> = Object.freeze({
  constant: constantSchedule,
  constant_with_warmup: constantWithWarmupSchedule,
  linear: linearSchedule,
  cosine: cosineSchedule,
  cosine_with_restarts: cosineWithRestartsSchedule,
  polynomial: polynomialSchedule,
  inverse_sqrt: inverseSqrtSchedule,
  cosine_with_min_lr: cosineWithMinLrSchedule,
});

export const isLrSchedulerType = (name: string): name is LrSchedulerType => Object.hasOwn(LR_SCHEDULES, name);

/** HF TrainingArguments.get_warmup_steps: explicit steps win, else `ceil(totalSteps * warmupRatio)`. */
export function warmupStepsFor(totalSteps: number, { warmupSteps = 0, warmupRatio = 0 }: { warmupSteps?: number; warmupRatio?: number }): number {
  return warmupSteps > 0 ? warmupSteps : Math.ceil(totalSteps * warmupRatio);
}

export interface LrSchedulerState {
  type: LrSchedulerType;
  /** Steps taken (torch's `last_epoch`): the multiplier in force is `lambda(lastStep)`. */
  lastStep: number;
  lastLrs: number[];
}

/**
 * torch's LambdaLR as HF Trainer drives it: construction applies `initialLr * f(0)` to every group, and each
 * `step()` (called once after each `optimizer.step()`) moves to `initialLr * f(k)`.
 */
export class LrScheduler {
  private readonly lambda: LrLambda;
  private lastStepValue = -1;

  constructor(
    private readonly optimizer: Optimizer,
    readonly type: LrSchedulerType,
    options: LrScheduleOptions = {},
  ) {
    const factory = LR_SCHEDULES[type];
    if (factory === undefined) throw new Error(`unknown lr_scheduler_type '${type}' (expected one of ${Object.keys(LR_SCHEDULES).join(', ')})`);
    this.lambda = factory({ baseLr: optimizer.defaults.lr, ...options });
    this.step();
  }

  get lastStep(): number {
    return this.lastStepValue;
  }

  /** The first group's lr: what HF logs as `learning_rate`. */
  get lastLr(): number {
    return this.optimizer.paramGroups[0].lr;
  }

  get lastLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The multiplier the schedule gives at `step` (without applying it). */
  multiplierAt(step: number): number {
    return this.lambda(step);
  }

  step(): void {
    this.apply(this.lastStepValue + 1);
  }

  stateDict(): LrSchedulerState {
    return { type: this.type, lastStep: this.lastStepValue, lastLrs: this.lastLrs };
  }

  /** Restores the position and re-applies its lr, so resuming works whatever order the optimizer is loaded in. */
  loadStateDict(state: LrSchedulerState): void {
    if (state.type !== this.type) throw new Error(`LrScheduler.loadStateDict: checkpoint is for '${state.type}', scheduler is '${this.type}'`);
    if (!Number.isInteger(state.lastStep) || state.lastStep < 0) throw new Error(`LrScheduler.loadStateDict: invalid lastStep ${state.lastStep}`);
    this.apply(state.lastStep);
  }

  private apply(step: number): void {
    this.lastStepValue = step;
    this.optimizer.setLrMultiplier(this.lambda(step));
  }
}
