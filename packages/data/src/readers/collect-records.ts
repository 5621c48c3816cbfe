import { DataRowError, type RecordSource } from '../errors.js';
import { isTextFile, readerFor } from './reader.registry.js';
import type { DataRecord } from './reader.types.js';
import { resolveDataFiles, type ResolveOptions } from './resolve-files.js';
import { scanUtf8 } from './utf8-scan.js';

/** What reading counts: every row, and the bad ones skipped (with the first few messages, for a report). */
export interface RowCounts {
  rows: number;
  skipped: number;
  badRowSamples: string[];
}

/** Lines of text files that were not UTF-8 (read as U+FFFD), and the first one as `file:line`. */
export interface Utf8Counts {
  invalidUtf8Lines: number;
  firstInvalidUtf8: string | null;
}

/** How bytes that are not UTF-8 are met: refused (`data.strict_utf8`) naming file and line, or counted for a warning. */
export interface Utf8Policy {
  readonly strict: boolean;
  readonly counts: Utf8Counts;
  /** The setting that reads such bytes as U+FFFD instead, named in the refusal (none: the reader is always strict). */
  readonly lenientSetting?: string;
}

const BAD_ROW_SAMPLES = 5;

/** The data section's switch between refusing and counting bytes that are not UTF-8. */
export const STRICT_UTF8_SETTING = 'data.strict_utf8';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The run-log warning for data read with U+FFFD in place of bytes that were not UTF-8, or null. */
export function utf8Warning(counts: Utf8Counts): string | null {
  if (!counts.invalidUtf8Lines) return null;
  return `${plural(counts.invalidUtf8Lines, 'line')} of the data hold bytes that are not UTF-8, read as U+FFFD (first: ${counts.firstInvalidUtf8}); set ${STRICT_UTF8_SETTING}: true to refuse them`;
}

/**
 * Node decodes bytes that are not UTF-8 as U+FFFD without a word, so text files are scanned first:
 * under `strict` the first such line is an error, otherwise the lines are counted.
 */
async function checkEncoding(path: string, displayName: string, policy: Utf8Policy): Promise<void> {
  if (!isTextFile(path)) return;
  const { invalidLines, firstLine } = await scanUtf8(path);
  if (firstLine === null) return;
  if (policy.strict) {
    const instead = policy.lenientSetting ? `, or drop ${policy.lenientSetting} to read them as U+FFFD` : '';
    throw new DataRowError({ file: displayName, line: firstLine }, '', `bytes that are not UTF-8 (${plural(invalidLines, 'line')} of the file); convert it to UTF-8${instead}`);
  }
  policy.counts.invalidUtf8Lines += invalidLines;
  policy.counts.firstInvalidUtf8 ??= `${displayName}:${firstLine}`;
}

/**
 * Reads every record of `paths` through `convert` (null: leave the record out). A bad row (a
 * DataRowError, naming file, line and field) stops the read, or under `skipBadRows` is counted and skipped.
 */
export async function collectRecords<T>(
  paths: string | readonly string[],
  resolve: ResolveOptions,
  policy: { readonly skipBadRows: boolean; readonly counts: RowCounts; readonly utf8: Utf8Policy },
  convert: (record: DataRecord, source: RecordSource) => T | null,
): Promise<T[]> {
  const out: T[] = [];
  const { counts } = policy;
  for (const file of await resolveDataFiles(paths, resolve)) {
    await checkEncoding(file.path, file.displayName, policy.utf8);
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
