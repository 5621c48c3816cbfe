import { assistantSpans } from './assistant-spans.js';
import type { ChatMessage, ChatTemplateOptions, ChatTokenizer } from './chat-tokenizer.js';
import { encodeConversation } from './encode-conversation.js';
import { tokenizeSpans } from './span-tokens.js';
import { IGNORE_INDEX, type TokenizedExample } from './tokenized-example.js';

export interface ChatTokenizeOptions {
  /** Train on every token (system, user, template glue), not only the assistant's turns. */
  readonly trainOnInputs?: boolean;
  /** Passed to every render (`tools`, `extra: { enable_thinking: false }`). */
  readonly template?: Omit<ChatTemplateOptions, 'addGenerationPrompt'>;
}

/**
 * Renders a conversation with the tokenizer's chat template and tokenizes it, training (by
 * default) only on the assistant's turns, each through its end-of-turn token, as TRL's
 * `assistant_only_loss` does.
 */
export function tokenizeChat(messages: readonly ChatMessage[], tokenizer: ChatTokenizer, options: ChatTokenizeOptions = {}): TokenizedExample {
  const render = (msgs: readonly ChatMessage[], addGenerationPrompt: boolean): string =>
    tokenizer.applyChatTemplate(msgs, { ...options.template, addGenerationPrompt });
  if (options.trainOnInputs) {
    const inputIds = Int32Array.from(encodeConversation(messages, tokenizer, { ...options.template, addGenerationPrompt: false }));
    return { inputIds, labels: inputIds.slice() };
  }
  const full = render(messages, false);
  const stopText = tokenizer.eosTokenId == null ? undefined : tokenizer.decode([tokenizer.eosTokenId]);
  const { ids, inSpan } = tokenizeSpans(full, assistantSpans(messages, full, render, stopText), tokenizer);
  const inputIds = Int32Array.from(ids);
  return { inputIds, labels: inputIds.map((id, i) => (inSpan[i] ? id : IGNORE_INDEX)) };
}
