import type { Message, ToolDefinition } from '../chat/index.js';

export interface EncodeOptions {
  /** Add what the model's tokenizer frames text with (BOS/EOS, BERT's CLS/SEP). Defaults to true, as in transformers. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
  /** Undo the spaces before punctuation some tokenizers leave; defaults to the folder's `clean_up_tokenization_spaces`. */
  cleanUpTokenizationSpaces?: boolean;
}

export interface ApplyChatTemplateOptions {
  /** End with the opening of an assistant turn (for generation). Defaults to false. */
  addGenerationPrompt?: boolean;
  tools?: readonly ToolDefinition[];
  documents?: readonly Readonly<Record<string, unknown>>[];
  /** Which of the folder's named templates; by default `tool_use` when tools are given, else `default`. */
  templateName?: string;
  /** Further template variables, e.g. `{ enable_thinking: false }` for Qwen3. */
  extra?: Readonly<Record<string, unknown>>;
  /** Clock for `strftime_now`. */
  now?: () => Date;
}

/** What data pipelines and generation need from a tokenizer, independent of where it was loaded from. */
export interface TextTokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** Every id that ends generation. */
  readonly eosTokenIds: ReadonlySet<number>;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  applyChatTemplate(messages: readonly Message[], options?: ApplyChatTemplateOptions): string;
  encodeChat(messages: readonly Message[], options?: ApplyChatTemplateOptions): number[];
}
