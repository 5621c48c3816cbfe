import type { ModelConfig } from '../config/model-config.js';
import type { TextTokenizer } from '../tokenizer/tokenizer.interface.js';

/** Token ids per row, or texts for the tokenizer to encode (as a user turn of the chat template with `chat`). */
export type GenerateInput = readonly (readonly number[])[] | { readonly texts: readonly string[]; readonly chat?: boolean };

function encode(input: Exclude<GenerateInput, readonly (readonly number[])[]>, tokenizer: TextTokenizer | undefined): number[][] {
  if (!tokenizer) throw new Error('generate: text prompts need a tokenizer (options.tokenizer)');
  return input.texts.map((text) =>
    input.chat ? tokenizer.encodeChat([{ role: 'user', content: text }], { addGenerationPrompt: true }) : tokenizer.encode(text),
  );
}

/** The prompts as ids, checked against the model: every id is fed to an embedding lookup. */
export function promptIds(input: GenerateInput, tokenizer: TextTokenizer | undefined, config: ModelConfig): readonly (readonly number[])[] {
  const prompts = 'texts' in input ? encode(input, tokenizer) : input;
  if (prompts.length === 0) throw new Error('generate: no prompts');
  prompts.forEach((prompt, row) => {
    if (prompt.length === 0) throw new Error(`generate: prompt ${row} is empty`);
    const bad = prompt.find((id) => !Number.isSafeInteger(id) || id < 0 || id >= config.vocab);
    if (bad !== undefined) throw new RangeError(`generate: prompt ${row} has token id ${bad}, outside the model's vocabulary of ${config.vocab}`);
  });
  return prompts;
}

/**
 * Limits the static cache layout cannot meet: learned positions end at max_position_embeddings
 * (virtual tokens of a prompt-learning method take the first ones).
 */
export function checkContext(config: ModelConfig, longestPrompt: number, maxNewTokens: number, virtualTokens = 0): void {
  const lastPosition = virtualTokens + longestPrompt + maxNewTokens - 2;
  if (config.rope === null && lastPosition >= config.maxPositionEmbeddings) {
    const virtual = virtualTokens ? ` after ${virtualTokens} virtual tokens` : '';
    throw new RangeError(`generate: a ${longestPrompt}-token prompt${virtual} plus ${maxNewTokens} new tokens passes ${config.modelType}'s ${config.maxPositionEmbeddings} positions`);
  }
}
