import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, TempDir } from '../testing/temp-files.test-support.js';
import { readJson } from './json.reader.js';

describe('readJson', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await TempDir.create()));
  afterEach(() => dir.remove());

  it('yields array elements with the line each starts on, whatever strings and nesting they hold', async () => {
    const text = [
      '[',
      '  {"text": "a, [b] {c}", "meta": {"tags": ["x", "y"]}},',
      '  {',
      '    "text": "quote \\" and \\\\ backslash ]"',
      '  },',
      '',
      '  {"text": "last"}',
      ']',
    ].join('\n');
    const rows = await collect(readJson(await dir.write('a.json', text), 'a.json'));
    expect(rows.map((r) => [r.source.line, r.record?.text])).toEqual([
      [2, 'a, [b] {c}'],
      [3, 'quote " and \\ backslash ]'],
      [7, 'last'],
    ]);
    expect(rows[0].record?.meta).toEqual({ tags: ['x', 'y'] });
  });

  it('reports a bad element on its own line and keeps the rest', async () => {
    const rows = await collect(readJson(await dir.write('a.json', '[{"text": "ok"},\n 42,\n {"text": nope}]'), 'a.json'));
    expect(rows[0].record?.text).toBe('ok');
    expect(rows[1].error?.message).toBe('a.json:2: expected an object (one record), got 42');
    expect(rows[2].error?.message).toMatch(/^a\.json:3: invalid JSON/);
  });

  it('reads a .json file that is really JSON Lines, as datasets does', async () => {
    const rows = await collect(readJson(await dir.write('a.json', '{"text":"one"}\n{"text":"two"}\n'), 'a.json'));
    expect(rows.map((r) => [r.source.line, r.record?.text])).toEqual([[1, 'one'], [2, 'two']]);
  });

  it('rejects an unbalanced array', async () => {
    await expect(collect(readJson(await dir.write('a.json', '[{"text": "a"},\n}]'), 'a.json'))).rejects.toThrow(
      'a.json:2: invalid JSON: unexpected "}" in the top-level array',
    );
  });

  it('rejects an array that is never closed', async () => {
    await expect(collect(readJson(await dir.write('a.json', '[{"text": "a"},\n{"text": "b"}'), 'a.json'))).rejects.toThrow(
      'a.json:2: expected a JSON array of records, but the array is not closed',
    );
  });
});
