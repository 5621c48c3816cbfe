import { type ConfigProblem, type FieldTable, checks, defaultsOf, rule, withDefaults } from '@tunekit/core';
import { DPO_LOSS_TYPES, type DpoLossType, SORTING_LOSSES } from '../losses/dpo.losses.js';
import { REFERENCE_FIELDS, SEQUENCE_FIELDS, checkSection, onlyDefault } from './offline-fields.js';

/** The `dpo:` section, with TRL 1.9's DPOConfig names and defaults. */
export interface DpoConfig {
  readonly beta: number;
  readonly label_smoothing: number;
  readonly loss_type: readonly DpoLossType[];
  readonly loss_weights: readonly number[] | null;
  readonly use_weighting: boolean;
  readonly max_length: number | null;
  readonly max_prompt_length: number | null;
  readonly max_completion_length: number | null;
  readonly disable_dropout: boolean;
  readonly precompute_ref_log_probs: boolean;
  readonly ref_model: string | null;
  readonly ld_alpha: null;
  readonly f_divergence_type: 'reverse_kl';
  readonly sync_ref_model: false;
  readonly padding_free: false;
}

const lossTypes = rule(
  (v) => (typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 ? v : [null]).every((t) => (DPO_LOSS_TYPES as unknown[]).includes(t)),
  `one of ${DPO_LOSS_TYPES.join('|')}, or a list of them`,
);

export const DPO_FIELDS: FieldTable<DpoConfig> = {
  ...SEQUENCE_FIELDS,
  ...REFERENCE_FIELDS,
  label_smoothing: { check: checks.range({ min: 0, below: 1 }), default: 0 },
  loss_type: { check: lossTypes, default: ['sigmoid'] },
  loss_weights: { check: checks.nullable(rule((v) => Array.isArray(v) && v.every((w) => typeof w === 'number' && Number.isFinite(w)), 'a list of numbers')), default: null },
  use_weighting: { check: checks.bool, default: false },
  ld_alpha: onlyDefault(null, 'TuneKit has no LD-DPO weighting'),
  f_divergence_type: onlyDefault('reverse_kl', "TuneKit has only the reverse KL, none of f-DPO's other divergences"),
  sync_ref_model: onlyDefault(false, 'TuneKit has no TR-DPO reference syncing'),
  padding_free: onlyDefault(false, 'TuneKit batches are padded'),
};

/** Rules between fields, as TRL's DPOConfig and DPOTrainer enforce them. */
function crossChecks(c: DpoConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (c.loss_weights && c.loss_weights.length !== c.loss_type.length) problems.push({ path: ['loss_weights'], detail: `${c.loss_weights.length} weights for ${c.loss_type.length} loss types` });
  if (c.loss_type.includes('exo_pair') && c.label_smoothing === 0) problems.push({ path: ['label_smoothing'], detail: 'exo_pair needs label_smoothing > 0 (the EXO paper recommends 1e-3)' });
  if (c.loss_type.includes('robust') && !(c.label_smoothing < 0.5)) problems.push({ path: ['label_smoothing'], detail: 'robust needs label_smoothing in [0, 0.5)' });
  if (c.use_weighting && c.loss_type.some((t) => SORTING_LOSSES.includes(t))) problems.push({ path: ['use_weighting'], detail: 'WPO weights are per pair, and aot/aot_unpaired sort the pairs' });
  return problems;
}

/** Parses the `dpo:` section: unknown keys are errors with a did-you-mean, defaults are TRL's. */
export function parseDpoConfig(raw: unknown): DpoConfig {
  const normalise = (r: Record<string, unknown>): DpoConfig => {
    const c = withDefaults(defaultsOf(DPO_FIELDS), r);
    return { ...c, loss_type: typeof c.loss_type === 'string' ? [c.loss_type as DpoLossType] : c.loss_type };
  };
  return normalise(checkSection('dpo', raw, DPO_FIELDS, (r) => crossChecks(normalise(r))));
}
