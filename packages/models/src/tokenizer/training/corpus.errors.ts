/**
 * A training file is missing, unreadable or malformed. The message starts with the file (and line)
 * so a user can fix the input without reading our source.
 */
export class CorpusError extends Error {
  override readonly name = 'CorpusError';

  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`, options);
  }
}
