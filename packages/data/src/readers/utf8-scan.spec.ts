import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanUtf8 } from './utf8-scan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tunekit-utf8-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function scan(bytes: Buffer) {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(file, bytes);
  return scanUtf8(file);
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('scanUtf8', () => {
  it('passes clean text, multi-byte characters and an empty file', async () => {
    expect(await scan(utf8('{"a": "héllo"}\n{"a": "日本語 ✓"}\n'))).toEqual({ invalidLines: 0, firstLine: null });
    expect(await scan(Buffer.alloc(0))).toEqual({ invalidLines: 0, firstLine: null });
  });

  it('counts the lines with bytes that are not UTF-8 and names the first', async () => {
    const latin1 = Buffer.from('{"a": "caf\xe9"}\n', 'latin1');
    const file = Buffer.concat([utf8('{"a": 1}\n{"a": 2}\n'), latin1, utf8('{"a": 4}\n'), latin1, Buffer.from([0xc3])]);
    // Lines 3 and 5 hold Latin-1 é; line 6 ends in a truncated two-byte sequence.
    expect(await scan(file)).toEqual({ invalidLines: 3, firstLine: 3 });
  });

  it('checks a character split across read chunks whole, and keeps line numbers across chunks', async () => {
    // 64 KiB is the stream's chunk size: put a 3-byte character across the boundary, then a bad line far after it.
    const pad = 'x'.repeat(64 * 1024 - 1);
    const lines = [`${pad}€`, ...Array.from({ length: 5000 }, (_, i) => `{"i": ${i}}`)];
    const clean = utf8(`${lines.join('\n')}\n`);
    expect(await scan(clean)).toEqual({ invalidLines: 0, firstLine: null });
    const bad = Buffer.concat([clean, Buffer.from([0xff, 0x0a])]);
    expect(await scan(bad)).toEqual({ invalidLines: 1, firstLine: 5002 });
  });
});
