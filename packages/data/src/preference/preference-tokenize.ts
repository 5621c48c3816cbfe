import type { ChatMessage, ChatTemplateOptions, ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import type { Turn } from './preference.types.js';

export interface PreferenceTokenizeOptions {
  /** Passed to every chat template render (`extra: { enable_thinking: false }`). */
  readonly template?: Omit<ChatTemplateOptions, 'addGenerationPrompt'>;
}

/** The prompt's ids, and each completion's ids as they follow it. */
export interface TokenizedTurns {
  readonly prompt: Int32Array;
  readonly completions: Int32Array[];
}

const ids = (values: readonly number[]): Int32Array => Int32Array.from(values);

/**
 * Text: the prompt with the tokenizer's special tokens (BOS), each completion without them and
 * followed by eos, tokenized apart as the model meets them at inference (it generates after the
 * prompt's last token), as the SFT prompt/completion format does.
 */
function tokenizeText(prompt: string, completions: readonly string[], tokenizer: ChatTokenizer): TokenizedTurns {
  const eos = tokenizer.eosTokenId == null ? [] : [tokenizer.eosTokenId];
  return {
    prompt: ids(tokenizer.encode(prompt, { addSpecialTokens: true })),
    completions: completions.map((c) => ids([...tokenizer.encode(c, { addSpecialTokens: false }), ...eos])),
  };
}

/**
 * Messages: the chat template renders the prompt with the generation prompt, and prompt plus each
 * completion; a completion is what the second adds to the first (TRL's maybe_apply_chat_template),
 * through its last end-of-turn token (what a template prints after it is never generated).
 */
function tokenizeChat(prompt: readonly ChatMessage[], completions: readonly (readonly ChatMessage[])[], tokenizer: ChatTokenizer, options: PreferenceTokenizeOptions): TokenizedTurns {
  const render = (messages: readonly ChatMessage[], addGenerationPrompt: boolean) => tokenizer.applyChatTemplate(messages, { ...options.template, addGenerationPrompt });
  const promptText = render(prompt, true);
  const stopText = tokenizer.eosTokenId == null ? undefined : tokenizer.decode([tokenizer.eosTokenId]);
  return {
    prompt: ids(tokenizer.encode(promptText, { addSpecialTokens: false })),
    completions: completions.map((completion) => {
      const full = render([...prompt, ...completion], false);
      if (!full.startsWith(promptText)) throw new Error('the chat template does not render the prompt (with its generation prompt) as the start of prompt and completion');
      let text = full.slice(promptText.length);
      const stop = stopText === undefined ? -1 : text.lastIndexOf(stopText);
      if (stop >= 0) text = text.slice(0, stop + stopText!.length);
      return ids(tokenizer.encode(text, { addSpecialTokens: false }));
    }),
  };
}

/** Tokenizes a prompt and its completions, all text or all messages (the formats check that). */
export function tokenizeTurns(prompt: Turn, completions: readonly Turn[], tokenizer: ChatTokenizer, options: PreferenceTokenizeOptions = {}): TokenizedTurns {
  if (typeof prompt === 'string') return tokenizeText(prompt, completions as readonly string[], tokenizer);
  return tokenizeChat(prompt, completions as readonly (readonly ChatMessage[])[], tokenizer, options);
}
