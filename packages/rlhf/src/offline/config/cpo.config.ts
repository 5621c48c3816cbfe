import { type FieldTable, checks, defaultsOf, withDefaults } from '@tunekit/core';
import { CPO_LOSS_TYPES, type CpoLossType } from '../losses/cpo.losses.js';
import { SEQUENCE_FIELDS, checkSection } from './offline-fields.js';

/** The `cpo:` section, with TRL 1.9's CPOConfig names and defaults (`loss_type: simpo` is SimPO). */
export interface CpoConfig {
  readonly beta: number;
  readonly label_smoothing: number;
  readonly loss_type: CpoLossType;
  readonly cpo_alpha: number;
  readonly simpo_gamma: number;
  readonly alpha: number;
  readonly max_length: number | null;
  readonly max_prompt_length: number | null;
  readonly max_completion_length: number | null;
  readonly disable_dropout: boolean;
}

export const CPO_FIELDS: FieldTable<CpoConfig> = {
  ...SEQUENCE_FIELDS,
  label_smoothing: { check: checks.range({ min: 0, below: 0.5 }), default: 0 },
  // `alphapo` is TRL's shorthand for simpo with cpo_alpha 0 (set `alpha` for the reward shape).
  loss_type: { check: checks.oneOf([...CPO_LOSS_TYPES, 'alphapo']), default: 'sigmoid' },
  cpo_alpha: { check: checks.range({ min: 0 }), default: 1 },
  simpo_gamma: { check: checks.number, default: 0.5 },
  alpha: { check: checks.number, default: 0 },
};

/** Parses the `cpo:` section. */
export function parseCpoConfig(raw: unknown): CpoConfig {
  const c = withDefaults(defaultsOf(CPO_FIELDS), checkSection('cpo', raw, CPO_FIELDS));
  return (c.loss_type as string) === 'alphapo' ? { ...c, loss_type: 'simpo', cpo_alpha: 0 } : c;
}
