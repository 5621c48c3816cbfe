import { clipDetail, showValue } from '../util/show-value.js';

/**
 * Every failure to read or write a safetensors file. The message always starts with the file
 * (and the tensor, when one is to blame) so a user loading many shards can tell which one is bad
 * without a stack trace.
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';

  constructor(
    /** The path as the caller gave it (or a label such as `<buffer>` for in-memory data). */
    readonly file: string,
    /** What went wrong, without the file/tensor prefix. */
    readonly detail: string,
    readonly tensor?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor ${showValue(tensor, 200)}: `}${clipDetail(detail)}`, options);
  }
}

/** `[2, 3]`: how shapes and offset pairs appear in messages. */
export const fmtList = (xs: readonly number[]): string => `[${xs.join(', ')}]`;
