import { type FieldTable, checks } from '@tunekit/core';
import { peftError } from '../peft/config-validation.js';
import { type PromptLearningConfig, type Resolved, parsePromptLearning, promptLearningJson } from '../prompt-learning/prompt-learning.config.js';

export type PromptTuningInit = 'RANDOM' | 'TEXT';

/** Prompt tuning (Lester et al. 2021) with PEFT's PromptTuningConfig names and defaults. */
export interface PromptTuningConfig extends PromptLearningConfig {
  /** RANDOM: N(0, 1) as torch.nn.Embedding draws; TEXT: the model's embeddings of `prompt_tuning_init_text`. */
  prompt_tuning_init: PromptTuningInit;
  prompt_tuning_init_text: string | null;
  /** Recorded for PEFT, which loads this tokenizer for TEXT init; TuneKit encodes with the tokenizer `apply` is given (the model's). */
  tokenizer_name_or_path: string | null;
  tokenizer_kwargs: Record<string, unknown> | null;
}

export type ResolvedPromptTuningConfig = Resolved<PromptTuningConfig>;

export const PROMPT_TUNING_TYPE = 'PROMPT_TUNING';
const WHERE = 'prompt_tuning config';

const OWN_FIELDS: FieldTable<Omit<PromptTuningConfig, keyof PromptLearningConfig>> = {
  prompt_tuning_init: { check: checks.oneOf(['RANDOM', 'TEXT'], 'RANDOM or TEXT'), default: 'RANDOM' },
  prompt_tuning_init_text: { check: checks.string, default: null },
  tokenizer_name_or_path: { check: checks.string, default: null },
  tokenizer_kwargs: { check: checks.mapping, default: null },
};

/** Validates user or adapter_config.json options; `prompt_tuning_init` may be lowercase (PEFT's enum values are upper). */
export function parsePromptTuningConfig(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): PromptTuningConfig {
  const init = typeof raw.prompt_tuning_init === 'string' ? raw.prompt_tuning_init.toUpperCase() : raw.prompt_tuning_init;
  const normalised = raw.prompt_tuning_init === undefined ? raw : { ...raw, prompt_tuning_init: init };
  const config = parsePromptLearning<PromptTuningConfig>(normalised, PROMPT_TUNING_TYPE, OWN_FIELDS, WHERE, opts);
  // PEFT's __post_init__ checks, except the tokenizer path (TuneKit is handed the model's tokenizer).
  if (config.prompt_tuning_init === 'TEXT' && !config.prompt_tuning_init_text) {
    throw peftError(WHERE, 'prompt_tuning_init_text', 'required when prompt_tuning_init is TEXT (the text whose embeddings start the prompt)');
  }
  if (config.tokenizer_kwargs && config.prompt_tuning_init !== 'TEXT') throw peftError(WHERE, 'tokenizer_kwargs', 'only valid with prompt_tuning_init TEXT');
  return config;
}

/**
 * adapter_config.json as PEFT writes it. PEFT's config refuses TEXT init without a tokenizer path
 * even when only loading, so one is always written: the configured one, else the base model's.
 */
export function toPeftJson(config: ResolvedPromptTuningConfig, baseModel: string | null): Record<string, unknown> {
  const tokenizer = config.tokenizer_name_or_path ?? (config.prompt_tuning_init === 'TEXT' ? baseModel : null);
  if (config.prompt_tuning_init === 'TEXT' && !tokenizer) {
    throw peftError(WHERE, null, 'saving a TEXT-initialised prompt needs tokenizer_name_or_path or the base model\'s name (PEFT refuses the config without one)');
  }
  return {
    ...promptLearningJson(config, PROMPT_TUNING_TYPE, baseModel),
    prompt_tuning_init: config.prompt_tuning_init,
    prompt_tuning_init_text: config.prompt_tuning_init_text,
    tokenizer_kwargs: config.tokenizer_kwargs,
    tokenizer_name_or_path: tokenizer,
  };
}
