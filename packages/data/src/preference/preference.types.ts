import type { RecordSource } from '../errors.js';
import type { ChatMessage } from '../tokenize/chat-tokenizer.js';

/** A prompt or completion as TRL's datasets hold it: plain text (standard) or messages (conversational). */
export type Turn = string | readonly ChatMessage[];

/** TRL's preference example, `{prompt, chosen, rejected}`, after its format is read and its prompt made explicit. */
export interface PairedExample {
  readonly kind: 'paired';
  readonly prompt: Turn;
  readonly chosen: Turn;
  readonly rejected: Turn;
  /** The `margin` column (reward models: how much better the chosen answer is), when the dataset has one. */
  readonly margin?: number;
  readonly source: RecordSource;
}

/** TRL's unpaired preference example (KTO), `{prompt, completion, label}`: label true for a desirable completion. */
export interface UnpairedExample {
  readonly kind: 'unpaired';
  readonly prompt: Turn;
  readonly completion: Turn;
  readonly label: boolean;
  readonly source: RecordSource;
}

export type PreferenceExample = PairedExample | UnpairedExample;

/** A preference example as token ids: the prompt once, each completion after it (chosen and rejected share the prompt). */
export interface TokenizedPair {
  readonly prompt: Int32Array;
  readonly chosen: Int32Array;
  readonly rejected: Int32Array;
  readonly margin?: number;
  readonly source: RecordSource;
}

export interface TokenizedUnpaired {
  readonly prompt: Int32Array;
  readonly completion: Int32Array;
  readonly label: boolean;
  readonly source: RecordSource;
}
