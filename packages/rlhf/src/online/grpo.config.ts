import type { Check, FieldTable } from '@tunekit/core';
import { checks } from '@tunekit/core';
import { MULTI_OBJECTIVE_AGGREGATIONS, type MultiObjectiveAggregation, SCALE_REWARDS, type ScaleRewards } from './advantages.js';
import { GRPO_LOSS_TYPES, type GrpoLossType, IMPORTANCE_SAMPLING_LEVELS, type ImportanceSamplingLevel } from './grpo.loss.js';
import { ROLLOUT_QUANTIZATIONS, type RolloutQuantization } from './rollout-quantization.js';
import { SAMPLING_CORRECTION_MODES, type SamplingCorrectionMode } from './sampling-correction.js';
import { type OnlineConfig, SHARED_TRL_DEFAULTS_ONLY, onlineFields, onlyTrlDefault, parseOnlineSection } from './online.config.js';

/** The `grpo:` section: TRL 1.9's GRPOConfig names and defaults. */
export interface GrpoConfig extends OnlineConfig {
  readonly loss_type: GrpoLossType;
  readonly importance_sampling_level: ImportanceSamplingLevel;
  /** true and false are TRL's older spellings of group and none. */
  readonly scale_rewards: ScaleRewards;
  /** Two-sided clipping: the unclipped ratio's cap (INTELLECT-2; TRL recommends > 1 + epsilon); null is off. */
  readonly delta: number | null;
  /** Weigh the KL term by the importance ratio (DeepSeek-V3.2). */
  readonly use_bias_correction_kl: boolean;
  /** Drop negative-advantage completions whose mean log π_old − log π exceeds this (DeepSeek-V3.2); null is off. */
  readonly off_policy_mask_threshold: number | null;
  /** Sum the weighted rewards, then normalise (TRL's default), or normalise each function in its group first (GDPO). */
  readonly multi_objective_aggregation: MultiObjectiveAggregation;
  /** Weight of the entropy bonus (minus it times the mean token entropy joins the loss); 0 is off. */
  readonly entropy_coef: number;
  /** Only this top fraction of each micro-batch's tokens by entropy carries the policy loss; 1 is every token. */
  readonly top_entropy_quantile: number;
  /**
   * Sample rollouts with the frozen base weights rounded to 8 (or 4) bits, the adapter exact: a
   * faster sampler that differs from the policy, corrected for as TRL corrects vLLM's; null samples
   * with the policy itself.
   */
  readonly rollout_quantization: RolloutQuantization | null;
  /** Weigh the loss by π_old / π_sampler where the sampler is not the policy (TRL's names, kept for its configs). */
  readonly vllm_importance_sampling_correction: boolean;
  readonly vllm_importance_sampling_mode: SamplingCorrectionMode;
  readonly vllm_importance_sampling_clip_max: number | null;
  readonly vllm_importance_sampling_clip_min: number | null;
}

const FIELDS: FieldTable<GrpoConfig> = {
  ...onlineFields({ num_generations: 8, beta: 0.0 }),
  loss_type: { check: checks.oneOf(GRPO_LOSS_TYPES), default: 'dapo' },
  importance_sampling_level: { check: checks.oneOf(IMPORTANCE_SAMPLING_LEVELS), default: 'token' },
  scale_rewards: { check: checks.oneOf([...SCALE_REWARDS, true, false]), default: 'group' },
  delta: { check: checks.range({ above: 0 }), default: null },
  use_bias_correction_kl: { check: checks.bool, default: false },
  off_policy_mask_threshold: { check: checks.range({ min: 0 }), default: null },
  multi_objective_aggregation: { check: checks.oneOf(MULTI_OBJECTIVE_AGGREGATIONS), default: 'sum_then_normalize' },
  entropy_coef: { check: checks.range({ min: 0 }), default: 0.0 },
  top_entropy_quantile: { check: checks.range({ above: 0, max: 1 }), default: 1.0 },
  rollout_quantization: { check: checks.oneOf(ROLLOUT_QUANTIZATIONS), default: null },
  vllm_importance_sampling_correction: { check: checks.bool, default: true },
  vllm_importance_sampling_mode: { check: checks.oneOf(SAMPLING_CORRECTION_MODES), default: 'sequence_mask' },
  vllm_importance_sampling_clip_max: { check: checks.range({ above: 0 }), default: 3.0 },
  vllm_importance_sampling_clip_min: { check: checks.range({ min: 0 }), default: null },
};

/** GRPOConfig options TuneKit does not implement: accepted at TRL's default only. */
const REFUSED: Readonly<Record<string, Check>> = {
  use_adaptive_entropy: onlyTrlDefault(false, 'adaptive entropy control'),
  entropy_coef_min: onlyTrlDefault(0.0, 'adaptive entropy control'),
  entropy_coef_max: onlyTrlDefault(1.0, 'adaptive entropy control'),
  entropy_coef_delta: onlyTrlDefault(0.005, 'adaptive entropy control'),
  entropy_target: onlyTrlDefault(0.2, 'adaptive entropy control'),
  ...SHARED_TRL_DEFAULTS_ONLY,
};

export function parseGrpoConfig(raw: Record<string, unknown>): GrpoConfig {
  const config = parseOnlineSection('grpo', raw, FIELDS, REFUSED);
  const scale = config.scale_rewards as ScaleRewards | boolean;
  return { ...config, scale_rewards: scale === true ? 'group' : scale === false ? 'none' : scale };
}
