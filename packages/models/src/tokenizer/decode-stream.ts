import type { DecodeOptions } from './tokenizer.interface.js';

/** The one thing a stream needs from a tokenizer. */
export interface IdDecoder {
  decode(ids: readonly number[], options?: DecodeOptions): string;
}

const REPLACEMENT_CHAR = '\ufffd';

/**
 * Turns generated ids into text one id at a time, emitting only complete characters: a byte-level
 * tokenizer splits an emoji or a CJK character over several tokens, and decoding a partial byte
 * sequence yields U+FFFD, which must not reach the user (transformers' TextStreamer holds such text back).
 *
 * This is the algorithm of the Rust tokenizers' `DecodeStream`: each step decodes a short window
 * of recent ids with and without the new one and emits the difference. The window keeps enough
 * context for decoders whose output depends on the previous token (SentencePiece's leading-space
 * rule), and it keeps every step cheap however long the generation runs.
 */
export class DecodeStream {
  private window: number[] = [];
  /** The decoded text of `window[0:prefixLength]`, already emitted. */
  private prefix = '';
  private prefixLength = 0;

  constructor(
    private readonly tokenizer: IdDecoder,
    private readonly options: { skipSpecialTokens?: boolean } = {},
  ) {}

  /** Adds one id; returns the text it completed, or '' while a character is still partial. */
  push(id: number): string {
    this.window.push(id);
    const text = this.decode(this.window);
    if (text.length <= this.prefix.length || text.endsWith(REPLACEMENT_CHAR)) return '';
    if (!text.startsWith(this.prefix)) {
      throw new Error(`DecodeStream: decoding ids [${this.window.join(', ')}] no longer starts with the text already emitted (${JSON.stringify(this.prefix)})`);
    }
    const emitted = text.slice(this.prefix.length);
    this.window = this.window.slice(this.prefixLength);
    this.prefix = this.decode(this.window);
    this.prefixLength = this.window.length;
    return emitted;
  }

  /** Ends the stream: returns whatever is held back (with U+FFFD if the ids really end mid-character) and resets. */
  finish(): string {
    const text = this.decode(this.window);
    const rest = text.startsWith(this.prefix) ? text.slice(this.prefix.length) : '';
    this.window = [];
    this.prefix = '';
    this.prefixLength = 0;
    return rest;
  }

  private decode(ids: readonly number[]): string {
    // Cleanup of spaces before punctuation looks at neighbours; applied per step it would rewrite text already emitted.
    return this.tokenizer.decode(ids, { skipSpecialTokens: this.options.skipSpecialTokens, cleanUpTokenizationSpaces: false });
  }
}
