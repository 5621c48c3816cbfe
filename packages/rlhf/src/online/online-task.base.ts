import { join } from 'node:path';
import { type Batch, type HostTensor, type ModelCheckpointer, type Parameter, type Rng, type Tensor, type TaskOutput, collectModuleRngs } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { maskedMean } from './masked.js';
import { METRIC_FEED } from './online-batches.js';
import type { OnlineConfig } from './online.config.js';
import type { OnlineContext } from './online-context.js';
import type { PolicyForward, RolloutInputs } from './policy-logps.js';
import { type GenerationPlan, RolloutDataSource, type RolloutPlace } from './rollout.data-source.js';
import { COMPLETIONS_FILE, appendCompletions, completionRecords, printableCompletions } from './completion-log.js';
import { type QuantizedSampler, type Rollout, sampleRollout } from './rollout.js';
import { samplingSettings } from './online.config.js';
import type { PromptRecord } from '@tunekit/data';
import { type Reward, combineRewards } from './advantages.js';
import type { ReferenceScope } from './online-context.js';
import { rowLogps } from './policy-logps.js';
import { callRewardFunctions } from './reward-functions.js';
import { rewardInputs } from './rollout-inputs.js';
import { LENGTH_MULTIPLE, type RolloutRows, rolloutRows } from './rollout-rows.js';
import type { LaidOutRollout, RolloutLayout } from './rollout-layout.js';
import { SHARED_PROMPT_LAYOUT } from './shared-prompt.layout.js';
import { inputOf } from './traced-input.js';

export { LENGTH_MULTIPLE } from './rollout-rows.js';
export { inputOf } from './traced-input.js';

/** A rollout with its rewards: per function, combined, and the rows the update reads. */
export interface ScoredRollout {
  readonly rollout: Rollout;
  readonly perFunction: Reward[][];
  /** One per reward function: `reward_weights`, or all 1. */
  readonly weights: readonly number[];
  /** Weighted sums; NaN where no function judged the completion. */
  readonly rewards: number[];
  readonly rows: RolloutRows;
  /** The rows as the task's layout feeds them to the update and the log-prob passes. */
  readonly laidOut: LaidOutRollout;
  readonly names: string[];
  /** When sampling ended and scoring began (`performance.now()`). */
  readonly scoringStarted: number;
}

/** The sampler's generator among the task's generators (saved in every checkpoint). */
export const ROLLOUT_SAMPLER = 'rollout_sampler';

/** Micro-batches per rollout: TRL's steps_per_generation, or its generation_batch_size ÷ the per-device batch. */
function stepsPerGeneration(config: OnlineConfig, batch: number, accumulation: number): number {
  if (config.steps_per_generation !== null) return config.steps_per_generation;
  if (config.generation_batch_size === null) return accumulation;
  if (config.generation_batch_size % batch !== 0) {
    throw new Error(`online training: generation_batch_size ${config.generation_batch_size} is not a multiple of per_device_train_batch_size ${batch}`);
  }
  return config.generation_batch_size / batch;
}

/**
 * What GRPO and RLOO share: a data source whose batches are rollouts of this task's policy, the
 * policy's generators plus the sampler's, and the policy forward over a rollout micro-batch. A
 * subclass turns a rollout into micro-batches (`produce`) and a micro-batch into a loss (`loss`).
 */
export abstract class OnlineTask<C extends OnlineConfig> {
  abstract readonly name: string;
  readonly data: RolloutDataSource;
  readonly plan: GenerationPlan;
  private readonly generators: Map<string, Rng>;
  /** When the last rollout was handed to the trainer: the time from then to the next one is its updates'. */
  private lastRolloutEnd: number | null = null;
  /** Seconds the trainer spent on the previous rollout's micro-batches (0 before the first), logged with this rollout's. */
  protected previousUpdateS = 0;
  /** Where the rollout being produced sits in the run. */
  private place: RolloutPlace = { epoch: 0, generation: 0 };

  constructor(
    protected readonly ctx: OnlineContext,
    readonly config: C,
  ) {
    const { per_device_train_batch_size: batch, gradient_accumulation_steps: accumulation } = ctx.training;
    this.plan = { completionsPerBatch: batch, stepsPerGeneration: stepsPerGeneration(config, batch, accumulation), numIterations: config.num_iterations, numGenerations: config.num_generations, shuffle: config.shuffle_dataset };
    this.data = new RolloutDataSource(ctx.prompts, this.plan, (prompts, seed, place) => this.timedProduce(prompts, seed, place), ctx.training.seed);
    this.generators = collectModuleRngs(ctx.model);
    this.generators.set(ROLLOUT_SAMPLER, this.data.rng);
    if (config.beta > 0 && !ctx.reference) throw new Error(`${this.constructor.name}: beta > 0 needs a reference model (a LoRA-family adapter to disable, or a frozen copy of the base)`);
    if (config.reward_funcs.length !== ctx.rewardFunctions.length) {
      throw new Error(`${this.constructor.name}: ${config.reward_funcs.length} reward_funcs configured, ${ctx.rewardFunctions.length} loaded`);
    }
  }

  /**
   * How the update reads a rollout: each distinct prompt once, its completions attending to it
   * (a task whose second model reads whole rows, PPO's, lays them out in full).
   */
  protected get layout(): RolloutLayout {
    return SHARED_PROMPT_LAYOUT;
  }

  get model(): CausalLM {
    return this.ctx.model;
  }

  namedParameters(): Iterable<readonly [string, Parameter]> {
    return this.ctx.model.namedParameters();
  }

  rngs(): ReadonlyMap<string, Rng> {
    return this.generators;
  }

  /** Rollouts always sample without dropout; with `disable_dropout` the update runs without it too, as TRL's does. */
  setTraining(training: boolean): void {
    this.ctx.model.train(training && !this.config.disable_dropout);
  }

  setGradientCheckpointing(enabled: boolean): void {
    this.ctx.model.setGradientCheckpointing(enabled);
  }

  /** Each checkpoint also holds the rollout being served, so a run resumed mid-rollout replays it. */
  wrapCheckpointer(inner: ModelCheckpointer): ModelCheckpointer {
    return this.data.checkpointer(inner);
  }

  private async timedProduce(prompts: readonly PromptRecord[], seed: number, place: RolloutPlace): Promise<Batch[]> {
    this.previousUpdateS = this.lastRolloutEnd === null ? 0 : (performance.now() - this.lastRolloutEnd) / 1000;
    this.place = place;
    const batches = await this.produce(prompts, seed);
    this.lastRolloutEnd = performance.now();
    return batches;
  }

  /** The rollout's timings as TRL splits them: sampling, scoring (rewards and log-prob passes, until now), and the previous rollout's updates. */
  protected timings(scored: Pick<ScoredRollout, 'rollout' | 'scoringStarted'>): Record<string, number> {
    return {
      'timing/generation_s': scored.rollout.generationMs / 1000,
      'timing/scoring_s': (performance.now() - scored.scoringStarted) / 1000,
      'timing/update_s': this.previousUpdateS,
    };
  }

  /**
   * Samples `num_generations` completions of each prompt with the config's settings, scores them
   * with every reward function, combines the scores by `reward_weights`, and lays the rows out.
   */
  protected async scoredRollout(prompts: readonly PromptRecord[], seed: number): Promise<ScoredRollout> {
    const { config, ctx } = this;
    const rollout = await sampleRollout(ctx, prompts.map((p) => p.promptIds), config.num_generations, samplingSettings(config), seed, this.sampler);
    const scoringStarted = performance.now();
    const perFunction = await callRewardFunctions(ctx.rewardFunctions, rewardInputs(prompts, rollout, config.num_generations));
    const weights = config.reward_weights ?? ctx.rewardFunctions.map(() => 1);
    const rewards = combineRewards(perFunction, weights);
    const rows = rolloutRows(rollout, { maskTruncated: config.mask_truncated_completions, multiple: LENGTH_MULTIPLE });
    const laidOut = this.layOut(rollout, rows);
    return { rollout, perFunction, weights, rewards, rows, laidOut, names: ctx.rewardFunctions.map((f) => f.name), scoringStarted };
  }

  /**
   * TRL's `log_completions`: the rollout's prompts, completions, rewards per function and
   * advantages appended to `<output_dir>/completions.jsonl`, and the first
   * `num_completions_to_print` of them printed.
   */
  protected async logCompletions(prompts: readonly PromptRecord[], scored: ScoredRollout, advantages: readonly number[]): Promise<void> {
    const { config, ctx } = this;
    if (!config.log_completions || !ctx.outputDir) return;
    const records = completionRecords({ place: this.place, prompts, rollout: scored.rollout, numGenerations: config.num_generations, names: scored.names, perFunction: scored.perFunction, advantages });
    await appendCompletions(join(ctx.outputDir, COMPLETIONS_FILE), records);
    for (const line of printableCompletions(records, config.num_completions_to_print ?? 0)) console.log(line);
  }

  protected layOut(rollout: Rollout, rows: RolloutRows): LaidOutRollout {
    return this.layout.layOut(rollout, rows, { maxCompletionLength: samplingSettings(this.config).maxCompletionLength });
  }

  /** Per-token log-probs of the rollout's rows under the sampling policy, or under the reference. */
  protected logpsOf(rows: LaidOutRollout, reference?: ReferenceScope): Promise<HostTensor<'f32'>> {
    const opts = { layout: this.layout, temperature: this.config.temperature, chunk: this.plan.completionsPerBatch };
    return rowLogps(this.ctx.model, this.ctx.executor, rows, reference ? { ...opts, reference } : opts);
  }

  /** A sampler other than the policy (a quantized one), set by a task that corrects for it; null samples with the policy. */
  protected get sampler(): QuantizedSampler | null {
    return null;
  }

  /** Old log-probs are needed when the policy may have moved since sampling (TRL's condition). */
  protected get needsOldLogps(): boolean {
    return this.config.num_iterations > 1 || this.plan.stepsPerGeneration > this.ctx.training.gradient_accumulation_steps;
  }

  protected abstract produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]>;

  /** `inputs`: the micro-batch's traced rows where the layout has them, for a task that runs a second model over them (PPO's value model). */
  protected abstract loss(batch: Batch, policy: PolicyForward, inputs: RolloutInputs | null): { loss: Tensor; metrics: Record<string, Tensor> };

  /** The name the policy's mean entropy is logged under (PPO's is `policy/entropy_avg`). */
  protected readonly entropyMetric: string = 'entropy';

  trace(batch: Batch): TaskOutput {
    const t = batch.tensors;
    const { policy, inputs } = this.layout.trace(this.ctx.model, t, this.config.temperature);
    const { loss, metrics } = this.loss(batch, policy, inputs);
    // The rollout's host metrics ride along as scalar feeds, so the trainer logs them with the loss's.
    const host = Object.keys(t)
      .filter((k) => k.startsWith(METRIC_FEED))
      .map((k) => [k.slice(METRIC_FEED.length), inputOf(k, t[k]).detach()] as const);
    let weight = 0;
    for (const v of t.completion_mask.data as Float32Array) weight += v;
    return { loss, weight, metrics: { [this.entropyMetric]: maskedMean(policy.entropy, policy.mask).detach(), ...metrics, ...Object.fromEntries(host) } };
  }
}
