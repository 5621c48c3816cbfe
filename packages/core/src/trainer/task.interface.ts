import type { Collectives } from '../distributed/collectives.interface.js';
import type { Executor, Feeds } from '../executors/executor.interface.js';
import type { Parameter } from '../ir/parameter.js';
import type { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Batch } from './data-source.interface.js';
import type { ModelCheckpointer } from './model-checkpointer.js';

/**
 * A mean over the rows of one kind that a batch may lack (KTO's desirable rows): Σ `sum` / Σ `count`
 * over the batch on every rank. A batch with no such row has no value, so it is left out of the
 * logged means instead of counting as 0.
 */
export interface RatioMetric {
  readonly sum: Tensor;
  readonly count: Tensor;
}

/** A scalar metric (a mean over the batch; over ranks, their mean) or a ratio of sums. */
export type TaskMetric = Tensor | RatioMetric;

/** What a task traces for one batch. */
export interface TaskOutput {
  /** Scalar loss to minimise (a mean over the batch's loss tokens). */
  loss: Tensor;
  /** The batch's weight in means over an eval set: the number of tokens `loss` averages over. */
  weight: number;
  /** Extra scalar metrics (accuracy, reward margins), computed in the same program run as the loss. */
  metrics?: Readonly<Record<string, TaskMetric>>;
  /** Inputs beyond the batch's tensors (e.g. reference log-probs), fed by name. */
  feeds?: Feeds;
}

/** What a task's `prepare` runs its own pass on, and the ranks it may combine values over. */
export interface TaskPassContext {
  readonly executor: Executor;
  /** The job's collectives in training; a world of one in evaluation, where every rank reads the whole eval set. */
  readonly comm: Collectives;
}

/**
 * How a batch becomes a loss (pretraining, SFT, reward modelling, DPO, PPO, ...). The trainer owns
 * the loop (accumulation, clipping, schedules, evaluation, checkpoints); a task only traces.
 */
export interface Task {
  /** 'causal_lm', 'sft', 'dpo', ...: recorded in checkpoints and logs. */
  readonly name: string;
  /** Every parameter under its checkpoint (HF) name; the trainer optimizes those with `requiresGrad`. */
  namedParameters(): Iterable<readonly [string, Parameter]>;
  /**
   * Every generator the traced graph draws from (dropout masks), under stable names. They are
   * seeded from `seed` on a fresh run and saved in each checkpoint, so a resumed run replays them.
   */
  rngs(): ReadonlyMap<string, Rng>;
  /** Train mode (dropout on) or eval mode. */
  setTraining(training: boolean): void;
  /** Recompute activations in the backward pass (`gradient_checkpointing`); throws if unsupported. */
  setGradientCheckpointing(enabled: boolean): void;
  /**
   * Traces the loss of one batch. Inputs are `Tensor.input(name, ...)` named after `batch.tensors`
   * (or `feeds`), so one compiled program serves every batch of the same shape.
   */
  trace(batch: Batch): TaskOutput;
  /**
   * Feeds the trace needs that must be known before its loss is: a value from a pass of its own,
   * or one combined over ranks (KTO's KL estimate, which TRL averages over ranks before the loss
   * uses it). Called on every rank, in the same order, right before each `trace` of a batch, in
   * training and in evaluation; its feeds are merged into the program's.
   */
  prepare?(batch: Batch, context: TaskPassContext): Promise<Feeds>;
  /**
   * Metrics derived from one batch's metric values (over every rank; a ratio the batch has no rows
   * for is absent), e.g. KTO's margin, which exists only where both of its parts do.
   */
  batchMetrics?(values: Readonly<Record<string, number>>): Record<string, number>;
  /** Metrics derived from the eval means (`loss` and each traced metric), e.g. perplexity. */
  derivedMetrics?(means: Readonly<Record<string, number>>): Record<string, number>;
  /**
   * A task with state of its own beyond the weights (an online method's rollout buffer) saves it
   * in each checkpoint by wrapping the run's model checkpointer.
   */
  wrapCheckpointer?(inner: ModelCheckpointer): ModelCheckpointer;
}
