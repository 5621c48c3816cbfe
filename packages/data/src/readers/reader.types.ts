import type { DataRowError, RecordSource } from '../errors.js';

export type DataRecord = Readonly<Record<string, unknown>>;

/**
 * One row from a reader. A row that does not even parse is yielded as an error rather than thrown,
 * so `skip_bad_rows` can count it and the reader carries on with the next line.
 */
export type SourcedRecord =
  | { readonly source: RecordSource; readonly record: DataRecord; readonly error?: undefined }
  | { readonly source: RecordSource; readonly error: DataRowError; readonly record?: undefined };

/**
 * Reads one local file. `displayName` is what errors print (the path as the user wrote it, or the
 * Hub reference), `path` what is opened.
 */
export type RecordReader = (path: string, displayName: string) => AsyncIterable<SourcedRecord>;
