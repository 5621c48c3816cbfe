import type { ChatMessage } from '../tokenize/chat-tokenizer.js';
import type { RecordView } from './record-view.js';

/** A record after its format is understood: what tokenization works from. */
export type Example =
  | { readonly kind: 'chat'; readonly messages: readonly ChatMessage[] }
  | { readonly kind: 'completion'; readonly prompt: string; readonly completion: string }
  | { readonly kind: 'text'; readonly text: string };

export type FormatName = 'alpaca' | 'sharegpt' | 'messages' | 'prompt_completion' | 'text';

/**
 * Maps a format's field names to the names a dataset uses (`{ instruction: 'question' }`);
 * applies to nested message keys as well (`{ role: 'speaker' }`).
 */
export type ColumnMap = Readonly<Record<string, string>>;

export interface RecordFormat {
  readonly name: FormatName;
  /** Fields whose presence identifies the format; detection tries formats in table order. */
  readonly signature: readonly string[];
  /** Validates and converts, throwing a `DataRowError` that names the field. */
  convert(row: RecordView): Example;
}
