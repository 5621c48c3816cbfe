import { createWriteStream } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, TempDir } from '../testing/temp-files.test-support.js';
import { readJsonl } from './jsonl.reader.js';

describe('readJsonl', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await TempDir.create()));
  afterEach(() => dir.remove());

  it('yields each record with its file and 1-based line, counting blank lines', async () => {
    const path = await dir.write('a.jsonl', '\uFEFF{"text":"one"}\n\n{"text":"two"}\r\n{"text":"three"}');
    const rows = await collect(readJsonl(path, 'data/a.jsonl'));
    expect(rows.map((r) => [r.source.line, r.record?.text])).toEqual([[1, 'one'], [3, 'two'], [4, 'three']]);
    expect(rows[0].source.file).toBe('data/a.jsonl');
  });

  it('yields unparsable lines and non-objects as row errors and goes on', async () => {
    const path = await dir.write('a.jsonl', '{"text":"ok"}\n{"text": oops}\n[1,2]\n{"text":"after"}\n');
    const rows = await collect(readJsonl(path, 'a.jsonl'));
    expect(rows.map((r) => r.record?.text ?? r.error?.message)).toEqual([
      'ok',
      expect.stringMatching(/^a\.jsonl:2: invalid JSON: /),
      'a.jsonl:3: expected an object (one record), got an array of 2',
      'after',
    ]);
  });

  it('streams: a 50 MB file is read with heap growth far below its size', async () => {
    const path = `${dir.root}/big.jsonl`;
    const line = JSON.stringify({ text: 'x'.repeat(1000) }) + '\n';
    const lines = Math.ceil((50 * 1024 * 1024) / line.length);
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(path);
      out.on('error', reject);
      let i = 0;
      const pump = (): void => {
        while (i < lines) {
          i++;
          if (!out.write(line)) return void out.once('drain', pump);
        }
        out.end(resolve);
      };
      pump();
    });
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    for await (const row of readJsonl(path, 'big.jsonl')) {
      if (row.error) throw row.error;
      if (++count % 2000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    }
    expect(count).toBe(lines);
    // Reading it whole would hold 50 MB of text (100 MB as UTF-16) plus the parsed records.
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  });
});
