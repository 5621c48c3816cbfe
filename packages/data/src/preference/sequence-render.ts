import type { ChatTokenizer } from '../tokenize/chat-tokenizer.js';

/** How a text (not conversational) prompt + completion becomes one row of ids. */
export interface TextRowRule {
  /** Append the eos token's text to the completion unless it ends with it. */
  readonly appendEos: boolean;
  /** Let the tokenizer add its special tokens (BOS) to the encoded text. */
  readonly addSpecialTokens: boolean;
}

/**
 * Where the two renders of a text row legitimately differ (conversations they render alike, with
 * `encodeConversation`):
 * - `training`: RewardTrainer (and DPOTrainer/KTOTrainer) `_prepare_dataset`: `add_eos`, then the
 *   tokenizer's default call, which adds its special tokens;
 * - `scoring`: GRPOTrainer/RLOOTrainer `_calculate_rewards`: `prompt + completion` as it is,
 *   encoded with `add_special_tokens=False`.
 */
export const TEXT_ROWS = {
  training: { appendEos: true, addSpecialTokens: true },
  scoring: { appendEos: false, addSpecialTokens: false },
} as const satisfies Record<string, TextRowRule>;

/** Prompt + completion as one string (so a word the prompt splits is tokenized as the model reads it whole), under `rule`. */
export function encodeTextRow(prompt: string, completion: string, tokenizer: ChatTokenizer, rule: TextRowRule): number[] {
  const eos = rule.appendEos && tokenizer.eosTokenId != null ? tokenizer.decode([tokenizer.eosTokenId]) : '';
  return tokenizer.encode(prompt + (completion.endsWith(eos) ? completion : completion + eos), { addSpecialTokens: rule.addSpecialTokens });
}
