import type { HostTensor, Parameter } from '@tunekit/core';
import { assignAdapterTensors, writeAdapterFolder } from '../peft/adapter-files.js';
import { sortedKeys } from '../peft/foreign-fields.js';

/**
 * The one tensor PEFT saves for a prompt-learning adapter (`get_peft_model_state_dict`): the
 * encoder's output for every virtual token, [num_virtual_tokens × num_transformer_submodules, dim].
 * It has no `base_model.model.` prefix: it belongs to the PeftModel, not to the wrapped model.
 */
export const PROMPT_EMBEDDINGS = 'prompt_embeddings';

/** Writes adapter_config.json (keys sorted, as PEFT writes them) and `prompt_embeddings`, atomically. */
export function writePromptLearningAdapter(dir: string, json: Record<string, unknown>, promptEmbeddings: HostTensor): Promise<void> {
  return writeAdapterFolder(dir, sortedKeys(json), new Map([[PROMPT_EMBEDDINGS, promptEmbeddings]]));
}

/** Reads `prompt_embeddings` into `into`, checking name and shape first; errors name the file. */
export function readPromptEmbeddings(dir: string, into: Parameter): Promise<void> {
  return assignAdapterTensors(dir, (key) => (key === PROMPT_EMBEDDINGS ? into : undefined), [PROMPT_EMBEDDINGS]);
}
