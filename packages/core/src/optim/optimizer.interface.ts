import type { Parameter } from '../ir/parameter.js';

/** Hyper-parameters every optimizer has; each optimizer extends this with its own (betas, momentum...). */
export interface BaseHyperParams {
  lr: number;
  weightDecay: number;
}

/**
 * What callers pass per group: parameters plus optional overrides of the optimizer's defaults,
 * like a PyTorch param group dict (`{'params': [...], 'lr': 1e-4, 'weight_decay': 0.0}`).
 */
export type ParamGroup<H extends BaseHyperParams = BaseHyperParams> = { params: Parameter[] } & Partial<H>;

/**
 * A group as the optimizer holds it: every hyper-parameter resolved. `lr` is mutable (schedules write it);
 * `initialLr` is the lr the group was built with, the base that LR schedules multiply (torch's `initial_lr`).
 */
export type ResolvedParamGroup<H extends BaseHyperParams = BaseHyperParams> = {
  params: Parameter[];
  initialLr: number;
} & H;

/** A flat parameter list (one group using the defaults) or explicit groups. */
export type OptimizerParams<H extends BaseHyperParams = BaseHyperParams> = Iterable<Parameter> | Iterable<ParamGroup<H>>;

export type HyperValue = number | boolean | readonly number[];

export interface ParamGroupMeta {
  /** Names of the group's parameters: state is matched by name, so a resumed run may rebuild params in any order. */
  paramNames: string[];
  /** Every resolved hyper-parameter of the group, `lr` and `initialLr` included. */
  hyper: Record<string, HyperValue>;
}

/** The JSON-serializable half of an optimizer checkpoint. */
export interface OptimizerMeta {
  format: 'tunekit.optimizer/1';
  kind: string;
  stepCount: number;
  groups: ParamGroupMeta[];
  /** Per-parameter scalars (e.g. AdamW's `step`), keyed by parameter name. */
  scalars: Record<string, Record<string, number>>;
}

/**
 * A full optimizer checkpoint: `meta` goes to JSON, `buffers` (f32 moments, f32 master weights of half-precision
 * params) to a tensor file. Buffers are keyed by parameter name, then buffer name (`exp_avg`, `exp_avg_sq`,
 * `momentum_buffer`, `master`). Both halves are copies: holding a state dict never aliases live optimizer state.
 */
export interface OptimizerState {
  meta: OptimizerMeta;
  buffers: Record<string, Record<string, Float32Array>>;
}

export interface Optimizer<H extends BaseHyperParams = BaseHyperParams> {
  /** 'adamw', 'sgd': checked on load so a checkpoint can't be restored into the wrong optimizer. */
  readonly kind: string;
  /** Constructor-level hyper-parameters (torch's `optimizer.defaults`); HF schedules read `defaults.lr`. */
  readonly defaults: Readonly<H>;
  readonly paramGroups: readonly ResolvedParamGroup<H>[];
  /** Number of completed `step()` calls. */
  readonly stepCount: number;
  /** The first group's lr; assigning it calls `setLr`. */
  lr: number;
  /** Sets the first group's lr to `lr` and scales every other group by the same factor relative to its `initialLr`. */
  setLr(lr: number): void;
  /** `group.lr = group.initialLr * multiplier` for every group: what torch's LambdaLR does each step. */
  setLrMultiplier(multiplier: number): void;
  /** Applies one update using each parameter's `.grad`; parameters whose grad is null are skipped, as in PyTorch. */
  step(): void;
  /** Sets every grad to null (PyTorch's default `set_to_none=True`). */
  zeroGrad(): void;
  stateDict(): OptimizerState;
  loadStateDict(state: OptimizerState): void;
}
