import { type Check, ConfigFieldError, type FieldTable, checks, optionLine } from '@tunekit/core';
import { KL_ESTIMATORS, type KlEstimator } from './masked.js';
import { type OnlineConfig, onlyTrlDefault, parseOnlineSection } from './online.config.js';

/** The options of the `ppo:` section: TRL 1.9's PPOConfig (with OnPolicyConfig) names and defaults. */
export interface PpoOptions {
  /**
   * The reward model (a `task: reward` output, a base + SEQ_CLS adapter, or a transformers
   * `…ForSequenceClassification`), from the config's folder or the Hub. The value model starts as
   * a copy of it, as in TRL's PPO example (`AutoModelForSequenceClassification(reward_model_path)`).
   */
  readonly reward_model_path: string;
  /** Passes over each rollout batch. */
  readonly num_ppo_epochs: number;
  /** Mini-batches (one optimizer step each) per pass; each is gradient_accumulation_steps micro-batches. */
  readonly num_mini_batches: number;
  readonly whiten_rewards: boolean;
  readonly kl_coef: number;
  readonly kl_estimator: KlEstimator;
  readonly cliprange: number;
  readonly vf_coef: number;
  readonly cliprange_value: number;
  readonly gamma: number;
  readonly lam: number;
  /** New tokens per response at most. */
  readonly response_length: number;
  /** `eos`: responses are cut after the first EOS; null keeps them as sampled (then `stop_token_id`). */
  readonly stop_token: 'eos' | null;
  readonly stop_token_id: number | null;
  readonly temperature: number;
  /** Subtracted from the score of a response without EOS; null for none. */
  readonly missing_eos_penalty: number | null;
  /** Rows per forward pass of the reward and value models while scoring a rollout. */
  readonly local_rollout_forward_batch_size: number;
  /**
   * Where the reward model reads a conversational response that ended. `stop_token` (TRL's
   * PPOTrainer): at the stop token. `turn_end`: after what the reward model's chat template prints
   * after the end-of-turn token (ChatML's "\n"), the last token of the rows `task: reward` trains
   * on. Not a TRL option: its default loses the alignment demo's reward model 21 points of held-out
   * pair accuracy (96.5% read where it was trained, 75.5% at `<|im_end|>`).
   */
  readonly score_at: ScoreAt;
}

export const SCORE_AT = ['stop_token', 'turn_end'] as const;
export type ScoreAt = (typeof SCORE_AT)[number];

/** The `ppo:` section, with the shared online fields the rollout machinery reads derived from it. */
export type PpoConfig = PpoOptions & OnlineConfig;

const FIELDS: FieldTable<PpoOptions> = {
  reward_model_path: { check: checks.nonEmptyString, default: '' },
  num_ppo_epochs: { check: checks.positiveInt, default: 4 },
  num_mini_batches: { check: checks.positiveInt, default: 1 },
  whiten_rewards: { check: checks.bool, default: false },
  kl_coef: { check: checks.range({ min: 0 }), default: 0.05 },
  kl_estimator: { check: checks.oneOf(Object.keys(KL_ESTIMATORS)), default: 'k1' },
  cliprange: { check: checks.range({ above: 0, below: 1 }), default: 0.2 },
  vf_coef: { check: checks.range({ min: 0 }), default: 0.1 },
  cliprange_value: { check: checks.range({ above: 0 }), default: 0.2 },
  gamma: { check: checks.range({ min: 0, max: 1 }), default: 1.0 },
  lam: { check: checks.range({ min: 0, max: 1 }), default: 0.95 },
  response_length: { check: checks.positiveInt, default: 53 },
  stop_token: { check: checks.oneOf(['eos']), default: null },
  stop_token_id: { check: checks.range({ integer: true, min: 0 }), default: null },
  temperature: { check: checks.range({ above: 0 }), default: 0.7 },
  missing_eos_penalty: { check: checks.number, default: null },
  local_rollout_forward_batch_size: { check: checks.positiveInt, default: 64 },
  score_at: { check: checks.oneOf(SCORE_AT), default: 'stop_token' },
};

/** PPOConfig and OnPolicyConfig options that TuneKit does not have, accepted only at TRL's default. */
const REFUSED: Readonly<Record<string, Check>> = {
  total_episodes: onlyTrlDefault(null, 'episode budget; set training.max_steps or num_train_epochs'),
  model_adapter_name: onlyTrlDefault(null, 'named policy adapters (the run trains one adapter)'),
  ref_adapter_name: onlyTrlDefault(null, 'named reference adapters (the reference is the adapter switched off)'),
  ds3_gather_for_generation: onlyTrlDefault(true, 'DeepSpeed ZeRO-3 generation'),
};

/**
 * Parses the `ppo:` section. The rollout machinery's fields follow from it: one response per prompt
 * (`num_generations` 1), `response_length` new tokens at `temperature` with top-k and top-p off (TRL's
 * generation config), `num_ppo_epochs` passes, and `num_mini_batches × gradient_accumulation_steps`
 * micro-batches per rollout (set in the task, which knows the accumulation).
 */
export function parsePpoConfig(raw: Record<string, unknown>): PpoConfig {
  const options = parseOnlineSection<PpoOptions>('ppo', raw, FIELDS, REFUSED);
  if (!options.reward_model_path) {
    const problem = { path: ['reward_model_path'], detail: 'missing; PPO scores responses with a reward model (the output_dir of a task: reward run, or a transformers …ForSequenceClassification)' };
    throw new ConfigFieldError('ppo config', [problem], optionLine('ppo config', problem));
  }
  if (options.stop_token !== null && options.stop_token_id !== null) {
    const problem = { path: ['stop_token_id'], detail: 'set beside stop_token; give one of the two' };
    throw new ConfigFieldError('ppo config', [problem], optionLine('ppo config', problem));
  }
  if (options.score_at === 'turn_end' && options.stop_token !== 'eos') {
    const problem = { path: ['score_at'], detail: 'turn_end reads past the end-of-turn token, so it needs stop_token: eos' };
    throw new ConfigFieldError('ppo config', [problem], optionLine('ppo config', problem));
  }
  return {
    ...options,
    num_generations: 1,
    max_completion_length: options.response_length,
    top_p: 1.0,
    top_k: 0,
    repetition_penalty: 1.0,
    min_p: null,
    steps_per_generation: null,
    generation_batch_size: null,
    shuffle_dataset: true,
    log_completions: false,
    num_completions_to_print: null,
    num_iterations: options.num_ppo_epochs,
    // TRL's PPO trains every model without dropout (PpoTask.setTraining).
    disable_dropout: true,
    beta: options.kl_coef,
    epsilon: options.cliprange,
    epsilon_high: null,
    mask_truncated_completions: false,
    reward_funcs: [],
    reward_weights: null,
    prompt_column: 'prompt',
    // TRL's PPOConfig has none: its reward model reads the sampled ids, no text is rendered again.
    chat_template_kwargs: {},
  };
}
