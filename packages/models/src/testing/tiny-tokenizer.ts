/**
 * A small byte-level BPE tokenizer in the `tokenizer.json` format (GPT-2's byte-to-unicode
 * alphabet, a handful of merges, ChatML special tokens), so tiny checkpoints are complete
 * Hugging Face folders that tokenizer and chat-template code can load.
 */

import { BYTE_TO_CHAR, CHATML_TEMPLATE, byteLevelBpeTokenizerJson, specialAddedToken } from '../tokenizer/byte-level-bpe.js';

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export const BOS_TOKEN_ID = 0;
export const EOS_TOKEN_ID = 2;

/** ChatML, as SmolLM2-Instruct and Qwen2.5 use it (without their default system prompts). */
export const CHAT_TEMPLATE = CHATML_TEMPLATE;

const MERGES: readonly [string, string][] = [
  ['Ġ', 't'], ['h', 'e'], ['i', 'n'], ['Ġ', 'a'], ['e', 'r'], ['o', 'n'], ['Ġt', 'he'], ['r', 'e'], ['Ġ', 's'], ['a', 't'],
];

/** GPT-2's vocabulary order for the byte characters: printable bytes first, then the rest. */
const BYTE_TOKENS = [...BYTE_TO_CHAR.filter((c) => c.codePointAt(0)! < 256), ...BYTE_TO_CHAR.filter((c) => c.codePointAt(0)! >= 256)];

/** Number of tokens; a model using this tokenizer needs at least this vocab size. */
export const TINY_TOKENIZER_SIZE = SPECIAL_TOKENS.length + 256 + MERGES.length;

export function tinyTokenizerJson(): Record<string, unknown> {
  return byteLevelBpeTokenizerJson({
    specialTokens: SPECIAL_TOKENS,
    tokens: [...SPECIAL_TOKENS, ...BYTE_TOKENS, ...MERGES.map(([a, b]) => a + b)],
    merges: MERGES,
  });
}

export function tinyTokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  const { content: _ignored, id: _id, ...flags } = specialAddedToken('', 0);
  return {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [String(i), { content: t, ...flags }])),
    bos_token: SPECIAL_TOKENS[BOS_TOKEN_ID],
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: SPECIAL_TOKENS[EOS_TOKEN_ID],
    model_max_length: modelMaxLength,
    pad_token: SPECIAL_TOKENS[BOS_TOKEN_ID],
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: null,
  };
}
