import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { PROMPT_TUNING_METHOD } from './prompt-tuning.method.js';

export { type PromptTuningConfig, type PromptTuningInit, type ResolvedPromptTuningConfig, PROMPT_TUNING_TYPE, parsePromptTuningConfig } from './prompt-tuning.config.js';
export { PROMPT_TUNING, PromptEmbedding, type PromptTuningAdapter, buildPromptEmbedding, initTokenIds, injectPromptTuning } from './prompt-tuning.model.js';
export { loadPromptTuning, savePromptTuning } from './prompt-tuning.io.js';
export { PROMPT_TUNING_METHOD } from './prompt-tuning.method.js';

/** The method's one registration call. */
export function registerPromptTuning(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: PROMPT_TUNING_METHOD });
}
