import { type FieldTable, checks } from '@tunekit/core';
import { type PromptLearningConfig, type Resolved, parsePromptLearning, promptLearningJson } from '../prompt-learning/prompt-learning.config.js';

/** Prefix tuning (Li & Liang 2021) with PEFT's PrefixTuningConfig names and defaults. */
export interface PrefixTuningConfig extends PromptLearningConfig {
  /**
   * false: the prefix itself is trained, an embedding [n, layers·2·token_dim]. true: an embedding
   * [n, token_dim] goes through Linear(token_dim, encoder_hidden_size) → tanh → Linear(…, layers·2·token_dim).
   */
  prefix_projection: boolean;
  /** The projection's hidden size; defaults to token_dim. */
  encoder_hidden_size: number | null;
}

export type ResolvedPrefixTuningConfig = Resolved<PrefixTuningConfig> & { encoder_hidden_size: number };

export const PREFIX_TUNING_TYPE = 'PREFIX_TUNING';
const WHERE = 'prefix_tuning config';

const OWN_FIELDS: FieldTable<Omit<PrefixTuningConfig, keyof PromptLearningConfig>> = {
  prefix_projection: { check: checks.bool, default: false },
  encoder_hidden_size: { check: checks.positiveInt, default: null },
};

/** Validates user or adapter_config.json options. */
export function parsePrefixTuningConfig(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): PrefixTuningConfig {
  return parsePromptLearning<PrefixTuningConfig>(raw, PREFIX_TUNING_TYPE, OWN_FIELDS, WHERE, opts);
}

/** adapter_config.json as PEFT writes it. */
export function toPeftJson(config: ResolvedPrefixTuningConfig, baseModel: string | null): Record<string, unknown> {
  return {
    ...promptLearningJson(config, PREFIX_TUNING_TYPE, baseModel),
    encoder_hidden_size: config.encoder_hidden_size,
    prefix_projection: config.prefix_projection,
  };
}
