/**
 * What data needs from a tokenizer, declared here so data depends on no tokenizer implementation:
 * the models package's `HfTokenizer` satisfies it structurally, and so can any user's tokenizer.
 */
export type ChatRole = 'system' | 'user' | 'assistant';

/** A chat message as chat templates read it (transformers' field names). */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn. */
  addGenerationPrompt?: boolean;
  tools?: readonly Readonly<Record<string, unknown>>[];
  /** Further template variables (`enable_thinking`, ...). */
  extra?: Readonly<Record<string, unknown>>;
}

export interface ChatTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
  /** Appended to completions and plain text so the model learns to stop. */
  readonly eosTokenId: number | null | undefined;
  /** Fills padding; `eosTokenId` stands in when a tokenizer has none (as transformers' Llama recipes do). */
  readonly padTokenId: number | null | undefined;
}
