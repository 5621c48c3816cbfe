import { type FieldTable, checks, defaultsOf, withDefaults } from '@tunekit/core';
import { checkSection } from '../offline/config/offline-fields.js';

/**
 * The `reward:` section, with TRL 1.9's RewardConfig names and defaults. The sequence length is the
 * data section's `max_length` (the preference data pipeline cuts and drops by it).
 */
export interface RewardConfig {
  /** Weight of `mean((r_c + r_r)²)`, which keeps rewards centred near zero (null: off). */
  readonly center_rewards_coefficient: number | null;
  /** Train with dropout off, as TRL does by default. */
  readonly disable_dropout: boolean;
}

export const REWARD_FIELDS: FieldTable<RewardConfig> = {
  center_rewards_coefficient: { check: checks.nullable(checks.range({ min: 0 })), default: null },
  disable_dropout: { check: checks.bool, default: true },
};

export function parseRewardConfig(raw: unknown): RewardConfig {
  return withDefaults(defaultsOf(REWARD_FIELDS), checkSection('reward', raw, REWARD_FIELDS));
}
