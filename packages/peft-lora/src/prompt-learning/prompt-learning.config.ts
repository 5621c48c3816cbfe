import type { ModelConfig } from '@tunekit/models';
import { PeftConfigError, expectType, is, rejectUnknownKeys } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, takeForeignFields, withForeignFields } from '../peft/foreign-fields.js';

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

export const PROMPT_LEARNING_DEFAULTS: Omit<PromptLearningConfig, 'num_virtual_tokens'> = {
  token_dim: null,
  num_transformer_submodules: null,
  num_attention_heads: null,
  num_layers: null,
  task_type: 'CAUSAL_LM',
  base_model_name_or_path: null,
  revision: null,
  inference_mode: false,
};

const nullOr = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);

/**
 * Checks the shared fields and the method's own (`own`: name → default), rejects every other key,
 * and returns the defaults overlaid with what `raw` sets.
 */
export function parsePromptLearning<C extends PromptLearningConfig>(
  raw: Record<string, unknown>,
  peftType: string,
  own: Omit<C, keyof PromptLearningConfig>,
  where: string,
  opts: { fromPeftFile?: boolean } = {},
): C {
  const defaults = { ...PROMPT_LEARNING_DEFAULTS, num_virtual_tokens: 0, ...own } as C;
  const known = [...Object.keys(defaults), 'peft_type'];
  const foreign = opts.fromPeftFile ? takeForeignFields(raw, known, where) : (rejectUnknownKeys(raw, known, where), {});
  if (raw.peft_type !== undefined && raw.peft_type !== peftType) throw new PeftConfigError(where, `peft_type: expected "${peftType}", got ${JSON.stringify(raw.peft_type)}`);
  if (raw.num_virtual_tokens === undefined || raw.num_virtual_tokens === null) {
    throw new PeftConfigError(where, 'num_virtual_tokens: required (how many virtual tokens to train, e.g. 20)');
  }
  expectType(raw, 'num_virtual_tokens', is.positiveInt, 'a positive integer', where);
  for (const key of ['token_dim', 'num_attention_heads', 'num_layers']) expectType(raw, key, nullOr(is.positiveInt), 'a positive integer', where);
  expectType(raw, 'num_transformer_submodules', nullOr(is.oneOf(1)), '1 (a causal LM; 2 is for encoder-decoder models)', where);
  expectType(raw, 'task_type', nullOr(is.oneOf('CAUSAL_LM')), '"CAUSAL_LM" (the only task type TuneKit trains soft prompts for)', where);
  expectType(raw, 'base_model_name_or_path', nullOr(is.string), 'a string', where);
  expectType(raw, 'revision', nullOr(is.string), 'a string', where);
  expectType(raw, 'inference_mode', is.bool, 'true or false', where);
  if (!opts.fromPeftFile && raw.inference_mode === true) {
    // A saved adapter says true (PEFT writes it so) and loads its weights; a new one has none to load.
    throw new PeftConfigError(where, 'inference_mode: true describes a saved adapter; load it with the method\'s load() instead of creating a new one');
  }
  // null leaves a default in place unless null is the default (PEFT's None).
  const set = Object.entries(raw).filter(([k, v]) => k in defaults && v !== undefined && (v !== null || (defaults as Record<string, unknown>)[k] === null));
  return { ...defaults, ...Object.fromEntries(set), ...(Object.keys(foreign).length ? { foreign } : {}) } as C;
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
      throw new PeftConfigError(where, `${key}: ${given} does not fit this ${model.modelType} model, which needs ${value} (leave it unset to take the model's)`);
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
