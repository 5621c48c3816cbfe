/**
 * A byte-level BPE tokenizer learnt from the corpus, written as a Hugging Face `tokenizer.json`
 * (GPT-2's design: bytes mapped to printable characters, GPT-2's pre-tokenizer regex, merges
 * learnt greedily by pair frequency). Any text encodes, since every byte is in the vocabulary.
 */

import { BYTE_TO_CHAR, CHATML_TEMPLATE, byteLevelBpeTokenizerJson, specialAddedToken, trainBpe } from '@tunekit/models';

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export const CHAT_TEMPLATE = CHATML_TEMPLATE;

/** GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each with one leading space. */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const BYTE_CHARS = BYTE_TO_CHAR;

/**
 * Pre-token counts of the corpus. A word counts both with and without its leading space: in chat
 * text a word often follows a newline (the first word of an answer), and it should be the same
 * one token there as inside a sentence.
 */
export function countWords(lines: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (w: string, n: number) => counts.set(w, (counts.get(w) ?? 0) + n);
  for (const line of lines) {
    for (const [piece] of line.matchAll(GPT2_SPLIT)) {
      add(piece, 1);
      if (/^ \p{L}+$/u.test(piece)) add(piece.slice(1), 1);
    }
  }
  return counts;
}

/**
 * Learns up to `numMerges` merges with TuneKit's BPE trainer: repeatedly join the most frequent
 * adjacent pair (ties broken by the pair's text, so the result is deterministic). Stops early when
 * no pair is left to merge.
 */
export function learnMerges(counts: ReadonlyMap<string, number>, numMerges: number): [string, string][] {
  return trainBpe(counts, { vocabSize: 256 + numMerges }).merges.map(([a, b]) => [a, b]);
}

/** tokenizer.json: special tokens first (ids 0, 1, 2), then the 256 bytes, then one token per merge. */
export function tokenizerJson(merges: readonly [string, string][]): Record<string, unknown> {
  return byteLevelBpeTokenizerJson({ specialTokens: SPECIAL_TOKENS, tokens: [...SPECIAL_TOKENS, ...BYTE_CHARS, ...merges.map(([a, b]) => a + b)], merges });
}

/** BOS and padding are `<|endoftext|>`; EOS is `<|im_end|>`, which ends both documents and chat turns. */
export const BOS_TOKEN = SPECIAL_TOKENS[0];
export const EOS_TOKEN = SPECIAL_TOKENS[2];

export function tokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  const { content: _content, id: _id, ...flags } = specialAddedToken('', 0);
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [String(i), { content: t, ...flags }])),
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    bos_token: BOS_TOKEN,
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: EOS_TOKEN,
    model_max_length: modelMaxLength,
    pad_token: BOS_TOKEN,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: null,
  };
}
