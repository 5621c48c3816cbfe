import type { Check, FieldTable } from '@tunekit/core';
import { checks } from '@tunekit/core';
import { SCALE_REWARDS, type ScaleRewards } from './advantages.js';
import { GRPO_LOSS_TYPES, type GrpoLossType, IMPORTANCE_SAMPLING_LEVELS, type ImportanceSamplingLevel } from './grpo.loss.js';
import { type OnlineConfig, onlineFields, parseOnlineSection, onlyTrlDefault } from './online.config.js';

/** The `grpo:` section: TRL 1.9's GRPOConfig names and defaults. */
export interface GrpoConfig extends OnlineConfig {
  readonly loss_type: GrpoLossType;
  readonly importance_sampling_level: ImportanceSamplingLevel;
  /** true and false are TRL's older spellings of group and none. */
  readonly scale_rewards: ScaleRewards;
}

const FIELDS: FieldTable<GrpoConfig> = {
  ...onlineFields({ num_generations: 8, beta: 0.0 }),
  loss_type: { check: checks.oneOf(GRPO_LOSS_TYPES), default: 'dapo' },
  importance_sampling_level: { check: checks.oneOf(IMPORTANCE_SAMPLING_LEVELS), default: 'token' },
  scale_rewards: { check: checks.oneOf([...SCALE_REWARDS, true, false]), default: 'group' },
};

/** GRPOConfig options that change the math and that TuneKit does not implement. */
const REFUSED: Readonly<Record<string, Check>> = {
  delta: onlyTrlDefault(null, 'two-sided clipping (delta)'),
  top_entropy_quantile: onlyTrlDefault(1.0, 'high-entropy token selection'),
  entropy_coef: onlyTrlDefault(0.0, 'entropy bonus'),
  use_adaptive_entropy: onlyTrlDefault(false, 'adaptive entropy control'),
  use_bias_correction_kl: onlyTrlDefault(false, 'importance-weighted KL'),
  off_policy_mask_threshold: onlyTrlDefault(null, 'off-policy sequence masking'),
  sync_ref_model: onlyTrlDefault(false, 'reference model syncing'),
  multi_objective_aggregation: onlyTrlDefault('sum_then_normalize', 'normalize_then_sum aggregation'),
  min_p: onlyTrlDefault(null, 'min-p sampling'),
  use_vllm: onlyTrlDefault(false, 'vLLM generation'),
};

export function parseGrpoConfig(raw: Record<string, unknown>): GrpoConfig {
  const config = parseOnlineSection('grpo', raw, FIELDS, REFUSED);
  const scale = config.scale_rewards as ScaleRewards | boolean;
  return { ...config, scale_rewards: scale === true ? 'group' : scale === false ? 'none' : scale };
}
