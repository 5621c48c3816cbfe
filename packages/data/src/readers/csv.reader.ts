import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { DataRowError } from '../errors.js';
import type { SourcedRecord } from './reader.types.js';

/**
 * CSV and TSV with a header row, streamed. Every value is a string, as in the file: formats that
 * need structure (`messages`) expect it as JSON in the cell and say so when it is not.
 */
export function csvReader(delimiter: ',' | '\t') {
  return async function* readCsv(path: string, displayName: string): AsyncIterable<SourcedRecord> {
    const parser = createReadStream(path).pipe(
      parse({ columns: true, delimiter, bom: true, info: true, skip_empty_lines: true, relax_quotes: delimiter === '\t' }),
    );
    try {
      for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; raw?: string } }>) {
        // `info.lines` is the line the record ends on; a quoted cell may span several lines.
        yield { source: { file: displayName, line: row.info.lines }, record: row.record };
      }
    } catch (e) {
      // csv-parse stops at a malformed row (unclosed quote, wrong column count): nothing after it
      // can be trusted, so this is a file error, not a skippable row.
      const line = (e as { lines?: number }).lines ?? parser.info.lines;
      throw new DataRowError({ file: displayName, line }, '', `invalid ${delimiter === ',' ? 'CSV' : 'TSV'}: ${(e as Error).message}`, { cause: e });
    }
  };
}
