import { type FieldTable, checks, rule } from '@tunekit/core';
import { type OnlineConfig, SHARED_TRL_DEFAULTS_ONLY, onlineFields, parseOnlineSection } from './online.config.js';

/** The `rloo:` section: TRL 1.9's RLOOConfig names and defaults. */
export interface RlooConfig extends OnlineConfig {
  /** Normalise the leave-one-out advantages over the batch. */
  readonly normalize_advantages: boolean;
  /** [min, max] the combined reward is clamped to; null for none. */
  readonly reward_clip_range: readonly [number, number] | null;
}

const range = rule((v) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number') && v[0] <= v[1], 'a [min, max] pair of numbers');

const FIELDS: FieldTable<RlooConfig> = {
  ...onlineFields({ num_generations: 2, beta: 0.05 }),
  normalize_advantages: { check: checks.bool, default: false },
  reward_clip_range: { check: range, default: null },
};

export const parseRlooConfig = (raw: Record<string, unknown>): RlooConfig => parseOnlineSection('rloo', raw, FIELDS, SHARED_TRL_DEFAULTS_ONLY);
