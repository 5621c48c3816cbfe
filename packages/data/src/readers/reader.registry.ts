import { csvReader } from './csv.reader.js';
import { readJson } from './json.reader.js';
import { readJsonl } from './jsonl.reader.js';
import { readParquet } from './parquet.reader.js';
import type { RecordReader } from './reader.types.js';
import { readText } from './text.reader.js';

/** Readers by file extension (lower case, without the dot). */
export const READERS: Readonly<Record<string, RecordReader>> = {
  jsonl: readJsonl,
  ndjson: readJsonl,
  json: readJson,
  csv: csvReader(','),
  tsv: csvReader('\t'),
  parquet: readParquet,
  txt: readText,
  text: readText,
};

export function readerFor(file: string): RecordReader {
  const ext = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  const reader = ext === undefined ? undefined : READERS[ext];
  if (!reader) {
    throw new Error(`${file}: no reader for ${ext ? `.${ext}` : 'a file without an extension'} files; expected one of ${Object.keys(READERS).map((e) => `.${e}`).join(' ')}`);
  }
  return reader;
}
