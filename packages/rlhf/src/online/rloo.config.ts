import { type Check, type FieldTable, checks, rule } from '@tunekit/core';
import { type OnlineConfig, onlineFields, parseOnlineSection, onlyTrlDefault } from './online.config.js';

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

const REFUSED: Readonly<Record<string, Check>> = {
  sync_ref_model: onlyTrlDefault(false, 'reference model syncing'),
  use_vllm: onlyTrlDefault(false, 'vLLM generation'),
};

export const parseRlooConfig = (raw: Record<string, unknown>): RlooConfig => parseOnlineSection('rloo', raw, FIELDS, REFUSED);
