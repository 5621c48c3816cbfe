/**
 * A config.json TuneKit cannot build a model from. The message starts with the file and the field
 * at fault, so a user with many checkpoints knows where to look without a stack trace.
 */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';

  constructor(
    readonly file: string,
    /** The dotted JSON path of the offending field (`rope_scaling.rope_type`), or null for the whole file. */
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}: ${field === null ? '' : `${field}: `}${detail}`);
  }
}
