import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { jsonSyntaxMessage } from '@tunekit/core';
import { DataRowError } from '../errors.js';
import type { SourcedRecord } from './reader.types.js';

/**
 * Parquet, one row group at a time: hyparquet reads byte ranges, so memory holds one row group, not
 * the file. Errors call the 1-based row number a line, so they read like every other format's.
 * hyparquet's own errors on a corrupt file (of any type: it trusts the footer) become a DataRowError
 * at the first row of the group it was reading; nothing after it can be trusted.
 */
export async function* readParquet(path: string, displayName: string): AsyncIterable<SourcedRecord> {
  let rowStart = 0;
  const guarded = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (e) {
      throw new DataRowError({ file: displayName, line: rowStart + 1 }, '', `invalid Parquet: ${jsonSyntaxMessage(e)}`, { cause: e });
    }
  };
  const file = await guarded(() => asyncBufferFromFile(path));
  const metadata = await guarded(() => parquetMetadataAsync(file));
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await guarded(() => parquetReadObjects({ file, metadata, rowStart, rowEnd }));
    for (let i = 0; i < rows.length; i++) yield { source: { file: displayName, line: rowStart + i + 1 }, record: rows[i] };
    rowStart = rowEnd;
  }
}
