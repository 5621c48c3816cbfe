import { ConfigFieldError, clipDetail } from '@tunekit/core';

/**
 * A config.json TuneKit cannot build a model from. The message starts with the file and the field
 * at fault, so a user with many checkpoints knows where to look without a stack trace; the field's
 * key path travels on the error (the config kit's ConfigFieldError).
 */
export class ModelConfigError extends ConfigFieldError {
  override readonly name = 'ModelConfigError';

  constructor(
    readonly file: string,
    /** The dotted JSON path of the offending field (`rope_scaling.rope_type`), or null for the whole file. */
    readonly field: string | null,
    detail: string,
  ) {
    super(file, [{ path: field === null ? [] : field.split('.'), detail: clipDetail(detail) }], `${file}: ${field === null ? '' : `${field}: `}${clipDetail(detail)}`);
  }
}
