import type { PeftMethod } from '../peft/peft-method.interface.js';
import { PROMPT_EMBEDDINGS } from '../prompt-learning/prompt-learning.io.js';
import { type PromptTuningConfig, PROMPT_TUNING_TYPE, parsePromptTuningConfig } from './prompt-tuning.config.js';
import { loadPromptTuning, savePromptTuning } from './prompt-tuning.io.js';
import { PROMPT_TUNING, type PromptTuningAdapter, injectPromptTuning } from './prompt-tuning.model.js';

// PEFT saves the prompt rows themselves, under its one key.
const savedKey = (name: string) => (name === 'prompt_encoder.default.embedding.weight' ? PROMPT_EMBEDDINGS : name);
const handle = (adapter: PromptTuningAdapter) => adapter.handle((dir, opts) => savePromptTuning(adapter, dir, opts), savedKey);

/** Prompt tuning as a PEFT_METHOD plugin (`method: prompt_tuning`, adapters with peft_type PROMPT_TUNING). */
export const PROMPT_TUNING_METHOD: PeftMethod<PromptTuningConfig> = {
  name: PROMPT_TUNING,
  parseConfig: (raw) => parsePromptTuningConfig(raw),
  apply: (model, config, opts) => handle(injectPromptTuning(model, config, opts)),
  load: async (model, dir, opts) => handle(await loadPromptTuning(model, dir, opts)),
  recognises: (c) => c.peft_type === PROMPT_TUNING_TYPE,
};
