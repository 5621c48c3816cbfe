import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, TempDir } from '../testing/temp-files.test-support.js';
import { readText } from './text.reader.js';

describe('readText', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await TempDir.create()));
  afterEach(() => dir.remove());

  it('yields each non-empty line as a text record with its line number', async () => {
    const rows = await collect(readText(await dir.write('a.txt', 'first line\n\n  \nsecond line\n'), 'a.txt'));
    expect(rows.map((r) => [r.source.line, r.record?.text])).toEqual([[1, 'first line'], [4, 'second line']]);
  });
});
