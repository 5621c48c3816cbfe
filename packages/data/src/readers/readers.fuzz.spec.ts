import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FuzzFolder, JSON_SYNTAX, type TextSyntax, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DataRowError } from '../errors.js';
import { detectFormat } from '../formats/format.registry.js';
import { RecordView } from '../formats/record-view.js';
import { readerFor } from './reader.registry.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const lines = (records: readonly unknown[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

const CHAT = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] };
const COMPLETION = { prompt: 'Q: 2+2?', completion: ' 4' };
const ALPACA = { instruction: 'Add', input: '2 and 2', output: '4' };
const SHAREGPT = { conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }] };

/** A JSONL text edited as a value: each line parsed and written back, so type mutations land inside records. */
const JSONL_SYNTAX: TextSyntax = {
  parse: (text) => text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l)),
  render: (value) => (Array.isArray(value) ? value.map((v) => JSON.stringify(v)).join('\n') : JSON.stringify(value)),
};

/** Reads every row of the file and converts it with its detected format, as loadDataset does before tokenizing. */
async function readRows(path: string): Promise<void> {
  let format: ReturnType<typeof detectFormat> | null = null;
  for await (const row of readerFor(path)(path, path.slice(path.lastIndexOf('/') + 1))) {
    if (row.error) throw row.error;
    format ??= detectFormat(row.record, row.source);
    format.convert(new RecordView(row.record, row.source, {}));
  }
}

const PARQUET = new Uint8Array(readFileSync(fileURLToPath(new URL('./fixtures/alpaca.parquet', import.meta.url))));

/** Parquet's structure: the magic at both ends, the footer length before the last magic, the footer itself. */
const parquetBoundaries = (b: Uint8Array): number[] => {
  const footer = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(b.length - 8, true);
  return [0, 4, b.length - 8, b.length - 4, b.length - 8 - footer, b.length - 8 - Math.floor(footer / 2)];
};

const CASES = [
  { name: 'JSONL data rows', file: 'rows.jsonl', seeds: [lines([CHAT, CHAT]), lines([COMPLETION, COMPLETION]), lines([ALPACA]), lines([SHAREGPT])].map(utf8), text: JSONL_SYNTAX, runs: 500 },
  { name: 'JSON data rows', file: 'rows.json', seeds: [JSON.stringify([CHAT, CHAT], null, 1), JSON.stringify([COMPLETION, ALPACA].slice(0, 1))].map(utf8), text: JSON_SYNTAX, runs: 400 },
  { name: 'CSV data rows', file: 'rows.csv', seeds: ['prompt,completion\n"Q: 2+2?"," 4"\nhi,there\n', `messages\n"${JSON.stringify(CHAT.messages).replaceAll('"', '""')}"\n`].map(utf8), runs: 300 },
  { name: 'TSV data rows', file: 'rows.tsv', seeds: [utf8('instruction\tinput\toutput\nAdd\t2 and 2\t4\n')], runs: 150 },
  { name: 'Parquet data rows', file: 'rows.parquet', seeds: [PARQUET], boundaries: parquetBoundaries, runs: 300 },
];

describe.each(CASES)('fuzz: $name', (c) => {
  const folder = FuzzFolder.create({});
  afterAll(() => folder.remove());

  it('every mutated file reads into records or fails with one DataRowError line naming the file and line', async () => {
    const report = await fuzzParser({ name: c.name, seeds: c.seeds, parse: (bytes) => readRows(folder.write(c.file, bytes)), named: [DataRowError], ...(c.text ? { text: c.text } : {}), ...(c.boundaries ? { boundaries: c.boundaries } : {}) }, c.runs);
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(c.runs);
  });
});
