import type { ModelConfig } from '@tunekit/models';
import { type FieldTable, checks, defaultsOf } from '@tunekit/core';
import { peftError, peftTypeCheck, readPeftOptions, withForeign } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, withForeignFields } from '../peft/foreign-fields.js';

/**
 * PEFT's PromptLearningConfig with PeftConfig's fields: what prompt and prefix tuning share. The
 * model dimensions are null until `resolvePromptLearning` fills them from the model, as PEFT's
 * `_prepare_prompt_learning_config` does when the adapter is created.
 */
export interface PromptLearningConfig extends ForeignFieldsCarrier {
  num_virtual_tokens: number;
  token_dim: number | null;
  /** 1 for a causal LM (2 is for encoder-decoder models). */
  num_transformer_submodules: number | null;
  num_attention_heads: number | null;
  num_layers: number | null;
  task_type: string;
  base_model_name_or_path: string | null;
  revision: string | null;
  inference_mode: boolean;
}

/** The config once the model has filled every dimension. */
export type Resolved<C extends PromptLearningConfig> = C & {
  token_dim: number;
  num_transformer_submodules: number;
  num_attention_heads: number;
  num_layers: number;
};

/** The shared fields: check and default (`num_virtual_tokens` is required, its 0 a placeholder). */
const PROMPT_LEARNING_FIELDS: FieldTable<Omit<PromptLearningConfig, 'foreign'>> = {
  num_virtual_tokens: { check: checks.positiveInt, default: 0 },
  token_dim: { check: checks.positiveInt, default: null },
  num_transformer_submodules: { check: checks.oneOf([1], '1 (a causal LM; 2 is for encoder-decoder models)'), default: null },
  num_attention_heads: { check: checks.positiveInt, default: null },
  num_layers: { check: checks.positiveInt, default: null },
  task_type: { check: checks.oneOf(['CAUSAL_LM'], '"CAUSAL_LM" (the only task type TuneKit trains soft prompts for)'), default: 'CAUSAL_LM' },
  base_model_name_or_path: { check: checks.string, default: null },
  revision: { check: checks.string, default: null },
  inference_mode: { check: checks.bool, default: false },
};

export const PROMPT_LEARNING_DEFAULTS: Omit<PromptLearningConfig, 'num_virtual_tokens'> = defaultsOf(PROMPT_LEARNING_FIELDS);

/**
 * Checks the shared fields and the method's own (`own`: its table of checks and defaults), rejects
 * every other key, and returns the defaults overlaid with what `raw` sets.
 */
export function parsePromptLearning<C extends PromptLearningConfig>(
  raw: Record<string, unknown>,
  peftType: string,
  own: FieldTable<Omit<C, keyof PromptLearningConfig>>,
  where: string,
  opts: { fromPeftFile?: boolean } = {},
): C {
  const table = { ...PROMPT_LEARNING_FIELDS, ...own } as FieldTable<Omit<C, 'foreign'>>;
  const { config, foreign } = readPeftOptions(raw, table, where, { ...opts, extraChecks: { peft_type: peftTypeCheck(peftType) } });
  // The table's 0 stands for "not given" (a given 0 fails the check).
  if (config.num_virtual_tokens === 0) throw peftError(where, 'num_virtual_tokens', 'required (how many virtual tokens to train, e.g. 20)');
  if (!opts.fromPeftFile && raw.inference_mode === true) {
    // A saved adapter says true (PEFT writes it so) and loads its weights; a new one has none to load.
    throw peftError(where, 'inference_mode', 'true describes a saved adapter; load it with the method\'s load() instead of creating a new one');
  }
  return withForeign(config, foreign) as C;
}

/**
 * The model's dimensions in the config, as PEFT's `_prepare_prompt_learning_config` fills them;
 * values the config already sets must agree with the model. `dims.tokenDim` is what one virtual
 * token holds per layer: the hidden size for prompt tuning, kv heads × head size for prefix tuning
 * (PEFT's grouped-query adjustment), with `dims.heads` the matching head count.
 */
export function resolvePromptLearning<C extends PromptLearningConfig>(config: C, model: ModelConfig, dims: { tokenDim: number; heads: number }, where: string): Resolved<C> {
  const expected = { token_dim: dims.tokenDim, num_attention_heads: dims.heads, num_layers: model.layers, num_transformer_submodules: 1 };
  for (const [key, value] of Object.entries(expected) as [keyof typeof expected, number][]) {
    const given = config[key];
    if (given !== null && given !== value) {
      throw peftError(where, key, `${given} does not fit this ${model.modelType} model, which needs ${value} (leave it unset to take the model's)`);
    }
  }
  return { ...config, ...expected };
}

/** adapter_config.json's shared fields, as PEFT writes them (it saves with inference_mode true), and the foreign fields a loaded file carried. */
export function promptLearningJson(config: Resolved<PromptLearningConfig>, peftType: string, baseModel: string | null): Record<string, unknown> {
  return withForeignFields({
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    inference_mode: true,
    num_attention_heads: config.num_attention_heads,
    num_layers: config.num_layers,
    num_transformer_submodules: config.num_transformer_submodules,
    num_virtual_tokens: config.num_virtual_tokens,
    peft_type: peftType,
    revision: config.revision,
    task_type: config.task_type,
    token_dim: config.token_dim,
  }, config);
}
