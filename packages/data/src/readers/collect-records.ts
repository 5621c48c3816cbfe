import { DataRowError, type RecordSource } from '../errors.js';
import { readerFor } from './reader.registry.js';
import type { DataRecord } from './reader.types.js';
import { resolveDataFiles, type ResolveOptions } from './resolve-files.js';

/** What reading counts: every row, and the bad ones skipped (with the first few messages, for a report). */
export interface RowCounts {
  rows: number;
  skipped: number;
  badRowSamples: string[];
}

const BAD_ROW_SAMPLES = 5;

/**
 * Reads every record of `paths` through `convert` (null: leave the record out). A bad row (a
 * DataRowError, naming file, line and field) stops the read, or under `skipBadRows` is counted and skipped.
 */
export async function collectRecords<T>(
  paths: string | readonly string[],
  resolve: ResolveOptions,
  policy: { readonly skipBadRows: boolean; readonly counts: RowCounts },
  convert: (record: DataRecord, source: RecordSource) => T | null,
): Promise<T[]> {
  const out: T[] = [];
  const { counts } = policy;
  for (const file of await resolveDataFiles(paths, resolve)) {
    for await (const row of readerFor(file.path)(file.path, file.displayName)) {
      counts.rows++;
      try {
        if (row.error) throw row.error;
        const item = convert(row.record, row.source);
        if (item !== null) out.push(item);
      } catch (e) {
        if (!(e instanceof DataRowError) || !policy.skipBadRows) throw e;
        counts.skipped++;
        if (counts.badRowSamples.length < BAD_ROW_SAMPLES) counts.badRowSamples.push(e.message);
      }
    }
  }
  return out;
}
