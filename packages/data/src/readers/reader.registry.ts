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

/** The extensions read as UTF-8 text (the others, Parquet, carry their own encoding). */
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(['jsonl', 'ndjson', 'json', 'csv', 'tsv', 'txt', 'text']);

const extensionOf = (file: string): string | undefined => /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();

export const isTextFile = (file: string): boolean => TEXT_EXTENSIONS.has(extensionOf(file) ?? '');

export function readerFor(file: string): RecordReader {
  const ext = extensionOf(file);
  const reader = ext === undefined ? undefined : READERS[ext];
  if (!reader) {
    throw new Error(`${file}: no reader for ${ext ? `.${ext}` : 'a file without an extension'} files; expected one of ${Object.keys(READERS).map((e) => `.${e}`).join(' ')}`);
  }
  return reader;
}
