import { type FieldTable, defaultsOf, withDefaults } from '@tunekit/core';
import { SEQUENCE_FIELDS, checkSection } from './offline-fields.js';

/** The `orpo:` section, with TRL 1.9's ORPOConfig names and defaults (`beta` is the paper's λ). */
export interface OrpoConfig {
  readonly beta: number;
  readonly max_length: number | null;
  readonly max_prompt_length: number | null;
  readonly max_completion_length: number | null;
  readonly disable_dropout: boolean;
}

export const ORPO_FIELDS: FieldTable<OrpoConfig> = SEQUENCE_FIELDS;

/** Parses the `orpo:` section. */
export function parseOrpoConfig(raw: unknown): OrpoConfig {
  return withDefaults(defaultsOf(ORPO_FIELDS), checkSection('orpo', raw, ORPO_FIELDS));
}
