import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, TempDir } from '../testing/temp-files.test-support.js';
import { csvReader } from './csv.reader.js';

describe('csvReader', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await TempDir.create()));
  afterEach(() => dir.remove());

  it('reads CSV with a header, quoted commas and multi-line cells, naming the line a row ends on', async () => {
    const path = await dir.write('a.csv', 'prompt,completion\n"Hi, you",there\n"two\nlines",x\nlast,y\n');
    const rows = await collect(csvReader(',')(path, 'a.csv'));
    expect(rows.map((r) => r.record)).toEqual([
      { prompt: 'Hi, you', completion: 'there' },
      { prompt: 'two\nlines', completion: 'x' },
      { prompt: 'last', completion: 'y' },
    ]);
    expect(rows.map((r) => r.source.line)).toEqual([2, 4, 5]);
  });

  it('reads TSV', async () => {
    const path = await dir.write('a.tsv', 'instruction\toutput\nSay "hi"\thi\n');
    const rows = await collect(csvReader('\t')(path, 'a.tsv'));
    expect(rows.map((r) => r.record)).toEqual([{ instruction: 'Say "hi"', output: 'hi' }]);
  });

  it('stops at a malformed row with its file and line', async () => {
    const path = await dir.write('a.csv', 'a,b\n1,2\n3,4,5\n');
    await expect(collect(csvReader(',')(path, 'a.csv'))).rejects.toThrow(/^a\.csv:3: invalid CSV: /);
  });
});
