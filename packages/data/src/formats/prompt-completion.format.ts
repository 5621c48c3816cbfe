import type { RecordFormat } from './format.types.js';

/** `{"prompt": "...", "completion": "..."}`: no chat template; loss on the completion only. */
export const promptCompletionFormat: RecordFormat = {
  name: 'prompt_completion',
  signature: ['prompt', 'completion'],
  convert(row) {
    return { kind: 'completion', prompt: row.string('prompt'), completion: row.string('completion') };
  },
};
