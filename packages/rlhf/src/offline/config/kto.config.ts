import { type FieldTable, checks, defaultsOf, withDefaults } from '@tunekit/core';
import { KTO_LOSS_TYPES, type KtoLossType } from '../losses/kto.loss.js';
import { REFERENCE_FIELDS, SEQUENCE_FIELDS, checkSection, onlyDefault } from './offline-fields.js';

/** The `kto:` section, with TRL 1.9's KTOConfig names and defaults. */
export interface KtoConfig {
  readonly beta: number;
  readonly loss_type: KtoLossType;
  readonly desirable_weight: number;
  readonly undesirable_weight: number;
  readonly max_length: number | null;
  readonly max_prompt_length: number | null;
  readonly max_completion_length: number | null;
  readonly disable_dropout: boolean;
  readonly precompute_ref_log_probs: boolean;
  readonly ref_model: string | null;
  readonly sync_ref_model: false;
}

export const KTO_FIELDS: FieldTable<KtoConfig> = {
  ...SEQUENCE_FIELDS,
  ...REFERENCE_FIELDS,
  loss_type: { check: checks.oneOf(KTO_LOSS_TYPES), default: 'kto' },
  desirable_weight: { check: checks.range({ min: 0 }), default: 1 },
  undesirable_weight: { check: checks.range({ min: 0 }), default: 1 },
  sync_ref_model: onlyDefault(false, 'TuneKit has no TR-DPO reference syncing'),
};

/** Parses the `kto:` section. */
export function parseKtoConfig(raw: unknown): KtoConfig {
  return withDefaults(defaultsOf(KTO_FIELDS), checkSection('kto', raw, KTO_FIELDS));
}
