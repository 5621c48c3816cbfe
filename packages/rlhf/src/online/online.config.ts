import { type Check, ConfigFieldError, type FieldTable, checkFields, checks, checksOf, defaultsOf, optionLine, rule, withDefaults } from '@tunekit/core';
import type { SamplingSettings } from './rollout.js';

/** Options every online method shares: sampling, batching of rollouts, reward functions (TRL's names). */
export interface OnlineConfig {
  readonly num_generations: number;
  readonly max_completion_length: number;
  readonly temperature: number;
  readonly top_p: number;
  readonly top_k: number;
  readonly repetition_penalty: number;
  /** Min-p sampling; null (TRL's default) is off. */
  readonly min_p: number | null;
  /** Micro-batches each rollout is split into; null = gradient_accumulation_steps (or from generation_batch_size). */
  readonly steps_per_generation: number | null;
  /** Completions per rollout, the other way to say steps_per_generation (× per_device_train_batch_size); null: from it. */
  readonly generation_batch_size: number | null;
  /** A fresh order of the prompts each epoch; false keeps the file's order. */
  readonly shuffle_dataset: boolean;
  /** Write every rollout's prompts, completions, rewards and advantages to `<output_dir>/completions.jsonl`. */
  readonly log_completions: boolean;
  /** With log_completions, print this many of each rollout's completions to the console; null prints none. */
  readonly num_completions_to_print: number | null;
  /** Updates per rollout (μ in the GRPO paper): importance sampling over reused completions. */
  readonly num_iterations: number;
  /** Train without dropout (the method's own, LoRA's included), so the update scores completions as the sampler did. */
  readonly disable_dropout: boolean;
  readonly beta: number;
  readonly epsilon: number;
  /** null = epsilon. */
  readonly epsilon_high: number | null;
  readonly mask_truncated_completions: boolean;
  /**
   * Reward sources, as TRL's `reward_funcs`: `path#export` names a TypeScript reward function;
   * anything else is a reward model (TRL takes a model id there): a `task: reward` output folder
   * (a full `…ForSequenceClassification` save, or a base + SEQ_CLS adapter, merged on load), a
   * transformers reward model, or a Hub id. Paths are from the config's folder. A reward model reads
   * prompt + completion with its own tokenizer (through its chat template for conversations).
   */
  readonly reward_funcs: readonly string[];
  /** One weight per reward function; null = all 1. */
  readonly reward_weights: readonly number[] | null;
  /** The dataset column holding the prompt. */
  readonly prompt_column: string;
  /**
   * Further chat template variables (`enable_thinking: false`), TRL's `chat_template_kwargs`: they
   * go into every render, the prompts the policy answers and the conversations reward models score.
   */
  readonly chat_template_kwargs: Readonly<Record<string, unknown>>;
}

const positive = checks.positiveInt;
const numberList = rule((v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)), 'a list of numbers');

/** Shared fields with the given defaults (GRPO's and RLOO's differ in num_generations and beta). */
export function onlineFields(defaults: { num_generations: number; beta: number }): FieldTable<OnlineConfig> {
  return {
    num_generations: { check: checks.range({ integer: true, min: 2 }), default: defaults.num_generations },
    max_completion_length: { check: positive, default: 256 },
    temperature: { check: checks.range({ above: 0 }), default: 1.0 },
    top_p: { check: checks.range({ above: 0, max: 1 }), default: 1.0 },
    top_k: { check: checks.range({ integer: true, min: 0 }), default: 0 },
    repetition_penalty: { check: checks.range({ above: 0 }), default: 1.0 },
    min_p: { check: checks.range({ min: 0, max: 1 }), default: null },
    steps_per_generation: { check: positive, default: null },
    generation_batch_size: { check: positive, default: null },
    shuffle_dataset: { check: checks.bool, default: true },
    log_completions: { check: checks.bool, default: false },
    num_completions_to_print: { check: positive, default: null },
    num_iterations: { check: positive, default: 1 },
    disable_dropout: { check: checks.bool, default: false },
    beta: { check: checks.range({ min: 0 }), default: defaults.beta },
    epsilon: { check: checks.range({ min: 0, below: 1 }), default: 0.2 },
    epsilon_high: { check: checks.range({ min: 0 }), default: null },
    mask_truncated_completions: { check: checks.bool, default: false },
    reward_funcs: { check: checks.nonEmptyStringList, default: [] },
    reward_weights: { check: numberList, default: null },
    prompt_column: { check: checks.nonEmptyString, default: 'prompt' },
    chat_template_kwargs: { check: checks.mapping, default: {} },
  };
}

/**
 * TRL options TuneKit lacks, accepted only at TRL's default (where they change
 * nothing): any other value is an error naming the field and the feature.
 */
export function onlyTrlDefault(defaultValue: unknown, feature: string): Check {
  const shown = defaultValue === null ? 'null' : JSON.stringify(defaultValue);
  return rule((v) => JSON.stringify(v) === JSON.stringify(defaultValue), `${shown} (TRL's default): TuneKit has no ${feature}`);
}

/**
 * GRPOConfig and RLOOConfig options TuneKit has no counterpart for, accepted at TRL's default so
 * that a config written for TRL with them spelt out still parses.
 */
export const SHARED_TRL_DEFAULTS_ONLY: Readonly<Record<string, Check>> = {
  sync_ref_model: onlyTrlDefault(false, 'reference model syncing'),
  ref_model_mixup_alpha: onlyTrlDefault(0.6, 'reference model syncing'),
  ref_model_sync_steps: onlyTrlDefault(512, 'reference model syncing'),
  use_vllm: onlyTrlDefault(false, 'vLLM generation'),
  generation_kwargs: onlyTrlDefault(null, 'generation_kwargs (set the sampling options by their own names)'),
  num_generations_eval: onlyTrlDefault(null, 'evaluation rollouts'),
  remove_unused_columns: onlyTrlDefault(false, 'column removal (every dataset column reaches the reward functions)'),
};

/** Checks `raw` against `table` and `refused` (with did-you-mean for unknown keys), returning it over the defaults. */
export function parseOnlineSection<T extends object>(task: string, raw: Record<string, unknown>, table: FieldTable<T>, refused: Readonly<Record<string, Check>>): T {
  const where = `${task} config`;
  const { problems } = checkFields(raw, { ...checksOf(table), ...refused }, { checkNull: false });
  const config = withDefaults(defaultsOf(table), raw);
  const extra = [...problems];
  const c = config as unknown as OnlineConfig;
  if (c.steps_per_generation != null && c.generation_batch_size != null) {
    extra.push({ path: ['generation_batch_size'], detail: 'set beside steps_per_generation; give one of the two' });
  }
  if (c.reward_weights !== null && c.reward_weights !== undefined && c.reward_weights.length !== c.reward_funcs.length) {
    extra.push({ path: ['reward_weights'], detail: `has ${c.reward_weights.length} weights for ${c.reward_funcs.length} reward_funcs` });
  }
  if (extra.length) throw new ConfigFieldError(where, extra, extra.map((p) => optionLine(where, p)).join('\n'));
  return config;
}

export const samplingSettings = (c: OnlineConfig): SamplingSettings => ({
  temperature: c.temperature,
  topP: c.top_p,
  topK: c.top_k,
  repetitionPenalty: c.repetition_penalty,
  minP: c.min_p ?? 0,
  maxCompletionLength: c.max_completion_length,
});
