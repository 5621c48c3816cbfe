import { DecodeStream, type IdDecoder } from '../tokenizer/decode-stream.js';
import type { RowContext } from './logits-processors.js';
import type { FinishReason, RowProgress } from './stopping.js';

/** What one accepted token adds to a row. */
export interface RowStep {
  /** Text the token completed (may be '' while a character is partial, or without a tokenizer). */
  readonly text: string;
  /** Set on the row's last token. */
  readonly finishReason: FinishReason | null;
}

/** One row of a batch: its ids, the context processors read, its streamed text and its end. */
export class GenerationRow implements RowContext {
  readonly generated: number[] = [];
  readonly seen: Set<number>;
  text = '';
  finishReason: FinishReason | null = null;
  private readonly stream: DecodeStream | null;

  constructor(
    readonly prompt: readonly number[],
    private readonly shouldStop: (row: RowProgress) => FinishReason | null,
    decoder: IdDecoder | undefined,
    skipSpecialTokens: boolean,
  ) {
    this.seen = new Set(prompt);
    this.stream = decoder ? new DecodeStream(decoder, { skipSpecialTokens }) : null;
  }

  get finished(): boolean {
    return this.finishReason !== null;
  }

  accept(token: number): RowStep {
    this.generated.push(token);
    this.seen.add(token);
    const previousTextLength = this.text.length;
    let delta = this.stream?.push(token) ?? '';
    this.text += delta;
    this.finishReason = this.shouldStop({ token, generatedCount: this.generated.length, text: this.text, previousTextLength });
    if (this.finishReason && this.stream) {
      // Characters held back as incomplete are all there will be: the row's text must end with them.
      const rest = this.stream.finish();
      this.text += rest;
      delta += rest;
    }
    return { text: delta, finishReason: this.finishReason };
  }
}
