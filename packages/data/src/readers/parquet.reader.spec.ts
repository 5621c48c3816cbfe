import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collect } from '../testing/temp-files.test-support.js';
import { readParquet } from './parquet.reader.js';

// Written by pyarrow 25 (snappy, row_group_size=2, so 3 row groups):
//   pq.write_table(pa.Table.from_pylist(rows), 'alpaca.parquet', row_group_size=2, compression='snappy')
const FIXTURE = fileURLToPath(new URL('./fixtures/alpaca.parquet', import.meta.url));

describe('readParquet', () => {
  it('reads every row of every row group in order, numbering rows from 1', async () => {
    const rows = await collect(readParquet(FIXTURE, 'alpaca.parquet'));
    expect(rows.map((r) => r.source.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((r) => r.record?.output)).toEqual(['Blue.', 'fromage', '5', 'こんにちは', 'cba']);
    expect(rows[1].record).toEqual({ instruction: 'Translate to French.', input: 'cheese', output: 'fromage' });
    expect(rows[3].record?.input).toBeNull();
  });
});
