import type { ChatMessage, ChatTemplateOptions, ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import { encodeConversation } from '../tokenize/encode-conversation.js';
import type { Turn } from './preference.types.js';
import { TEXT_ROWS, encodeTextRow } from './sequence-render.js';

export interface PreferenceTokenizeOptions {
  /** Passed to every chat template render (`extra: { enable_thinking: false }`). */
  readonly template?: Omit<ChatTemplateOptions, 'addGenerationPrompt'>;
}

/**
 * A prompt and its completions as TRL 1.9 tokenizes them: the prompt alone, and each prompt +
 * completion as one whole sequence.
 */
export interface TokenizedTurns {
  /** The prompt tokenized alone (a conversation rendered with its generation prompt). */
  readonly prompt: Int32Array;
  /** Each completion as DPOTrainer and KTOTrainer cut it: its whole sequence past the prompt's length. */
  readonly completions: Int32Array[];
  /** Each prompt + completion tokenized whole (RewardTrainer's rows). */
  readonly sequences: Int32Array[];
}

/**
 * How a trainer lays out an example's rows (TRL 1.9's `_prepare_dataset`s):
 * - `prompt_completion` (DPOTrainer, KTOTrainer): the prompt's ids, then each whole sequence past
 *   the prompt's length, even where the prompt's ids are not its start (TRL only warns there);
 * - `whole` (RewardTrainer): each row is its whole sequence; the prompt shared by the batch is the
 *   rows' common start, at most the prompt's ids.
 */
export type PreferenceRows = 'prompt_completion' | 'whole';
export const PREFERENCE_ROWS: readonly PreferenceRows[] = ['prompt_completion', 'whole'];

const ids = (values: readonly number[]): Int32Array => Int32Array.from(values);

/** How many leading ids all of `rows` share. */
function commonStart(rows: readonly Int32Array[]): number {
  const limit = Math.min(...rows.map((r) => r.length));
  let at = 0;
  while (at < limit && rows.every((r) => r[at] === rows[0][at])) at++;
  return at;
}

/** Whether each whole sequence starts with the prompt's ids (TRL 1.9 warns when one does not). */
export const promptIsPrefix = (t: TokenizedTurns): boolean => t.sequences.every((s) => commonStart([t.prompt, s]) === t.prompt.length);

/** The example's rows in a trainer's layout, as a shared prompt and the completions that follow it. */
export function layoutRows(t: TokenizedTurns, rows: PreferenceRows): { prompt: Int32Array; completions: Int32Array[] } {
  if (rows === 'prompt_completion') return { prompt: t.prompt, completions: t.completions };
  const shared = commonStart([t.prompt, ...t.sequences]);
  return { prompt: t.sequences[0].subarray(0, shared), completions: t.sequences.map((s) => s.subarray(shared)) };
}

function fromWhole(prompt: readonly number[], sequences: readonly (readonly number[])[]): TokenizedTurns {
  return { prompt: ids(prompt), completions: sequences.map((s) => ids(s.slice(prompt.length))), sequences: sequences.map(ids) };
}

/**
 * Text (TRL's `add_eos` then `_tokenize`): the prompt, and each prompt + completion as one string
 * with the eos token appended, each encoded with the tokenizer's special tokens (BOS): the
 * `training` rule of `TEXT_ROWS`.
 */
function tokenizeText(prompt: string, completions: readonly string[], tokenizer: ChatTokenizer): TokenizedTurns {
  const rule = TEXT_ROWS.training;
  return fromWhole(tokenizer.encode(prompt, { addSpecialTokens: rule.addSpecialTokens }), completions.map((c) => encodeTextRow(prompt, c, tokenizer, rule)));
}

/**
 * Messages (TRL's `_tokenize` through `apply_chat_template`): the prompt rendered with the
 * generation prompt, and prompt + completion rendered whole (`encodeConversation`, the render
 * GRPO/RLOO score reward-model rows with).
 */
function tokenizeChat(prompt: readonly ChatMessage[], completions: readonly (readonly ChatMessage[])[], tokenizer: ChatTokenizer, options: PreferenceTokenizeOptions): TokenizedTurns {
  return fromWhole(
    encodeConversation(prompt, tokenizer, { ...options.template, addGenerationPrompt: true }),
    completions.map((completion) => encodeConversation([...prompt, ...completion], tokenizer, { ...options.template, addGenerationPrompt: false })),
  );
}

/** Tokenizes a prompt and its completions, all text or all messages (the formats check that). */
export function tokenizeTurns(prompt: Turn, completions: readonly Turn[], tokenizer: ChatTokenizer, options: PreferenceTokenizeOptions = {}): TokenizedTurns {
  if (typeof prompt === 'string') return tokenizeText(prompt, completions as readonly string[], tokenizer);
  return tokenizeChat(prompt, completions as readonly (readonly ChatMessage[])[], tokenizer, options);
}
