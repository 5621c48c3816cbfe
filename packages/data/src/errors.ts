/** Where a record came from: the file as the user named it and its 1-based line (Parquet: row). */
export interface RecordSource {
  readonly file: string;
  readonly line: number;
}

/**
 * A bad row, formatted the way a user finds it in an editor:
 * `data/train.jsonl:1289: messages[2].role: expected one of system|user|assistant, got "bot"`.
 * The parts stay on the error so callers (skip counters, reports) need not parse the message.
 */
export class DataRowError extends Error {
  constructor(
    readonly source: RecordSource,
    /** The field path as the user's data spells it (`messages[2].role`), or '' for the whole record. */
    readonly field: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${source.file}:${source.line}: ${field ? `${field}: ` : ''}${problem}`, options);
    this.name = 'DataRowError';
  }
}

/** Renders a bad value for an error message: short, and unambiguous about its type. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
