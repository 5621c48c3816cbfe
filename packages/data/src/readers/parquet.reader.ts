import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { SourcedRecord } from './reader.types.js';

/**
 * Parquet, one row group at a time: hyparquet reads byte ranges, so memory holds one row group, not
 * the file. Errors call the 1-based row number a line, so they read like every other format's.
 */
export async function* readParquet(path: string, displayName: string): AsyncIterable<SourcedRecord> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) yield { source: { file: displayName, line: rowStart + i + 1 }, record: rows[i] };
    rowStart = rowEnd;
  }
}
