import { clipDetail } from '@tunekit/core';

/**
 * A model folder's tokenizer files are missing or malformed. The message starts with the file (and
 * field) so a user can fix the folder without reading our source.
 */
export class TokenizerLoadError extends Error {
  override readonly name = 'TokenizerLoadError';

  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${clipDetail(detail)}`, options);
  }
}
