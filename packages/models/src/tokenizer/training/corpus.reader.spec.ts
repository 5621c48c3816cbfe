import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorpusError } from './corpus.errors.js';
import { corpusFormatOf, corpusSizes, readCorpus } from './corpus.reader.js';
import { compilePreTokenizer } from './pre-tokenizer.patterns.js';
import { TRICKY_TEXTS } from './training.fixtures.js';
import { WordCounter } from './word.counter.js';

const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const s of it) out.push(s);
  return out;
};

describe('readCorpus', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-corpus-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('streams a text file in pieces that join to the text and count as the whole text does', async () => {
    const text = TRICKY_TEXTS.join(' and then ');
    await writeFile(path('tricky.txt'), `\ufeff${text}`);
    let bytes = 0;
    // 7-byte chunks split multi-byte characters; the decoder must carry them over.
    const pieces = await collect(readCorpus([{ path: path('tricky.txt') }], { chunkBytes: 7, onBytes: (n) => (bytes += n) }));
    expect(pieces.length).toBeGreaterThan(50);
    expect(pieces.join('')).toBe(text);
    expect(bytes).toBe(Buffer.byteLength(text) + 3);
    for (const pattern of ['gpt2', 'llama3'] as const) {
      const streamed = new WordCounter(compilePreTokenizer(pattern));
      pieces.forEach((p) => streamed.add(p));
      const whole = new WordCounter(compilePreTokenizer(pattern));
      whole.add(text);
      expect(streamed.counts).toEqual(whole.counts);
    }
  });

  it('reads the text field of each JSONL record, skipping blank lines, in file order', async () => {
    await writeFile(path('a.jsonl'), '{"text": "first\\nline"}\r\n\n{"text": "東京", "id": 2}\n');
    await writeFile(path('b.ndjson'), '{"body": "third"}');
    const texts = await collect(readCorpus([{ path: path('a.jsonl') }], { chunkBytes: 5 }));
    expect(texts).toEqual(['first\nline', '東京']);
    expect(await collect(readCorpus([{ path: path('b.ndjson') }], { textField: 'body' }))).toEqual(['third']);
  });

  it('names the file and line of a malformed record', async () => {
    await writeFile(path('bad.jsonl'), '{"text": "ok"}\n\n{"text": oops}\n');
    await writeFile(path('nofield.jsonl'), '{"text": "ok"}\n{"content": "x"}\n');
    await expect(collect(readCorpus([{ path: path('bad.jsonl'), displayName: 'bad.jsonl' }]))).rejects.toThrow(/^bad\.jsonl:3: is not valid JSON: /);
    await expect(collect(readCorpus([{ path: path('nofield.jsonl'), displayName: 'nofield.jsonl' }]))).rejects.toThrow(
      new CorpusError('nofield.jsonl', 'the record has no string field "text"', 2),
    );
  });
});

describe('corpusSizes and corpusFormatOf', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-corpus-'));
    await writeFile(join(dir, 'ok.txt'), 'four');
    await mkdir(join(dir, 'folder'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns sizes, and refuses missing files, folders and formats it does not read', async () => {
    expect(await corpusSizes([{ path: join(dir, 'ok.txt') }])).toEqual([4]);
    await expect(corpusSizes([{ path: join(dir, 'missing.txt'), displayName: 'missing.txt' }])).rejects.toThrow(new CorpusError('missing.txt', 'does not exist'));
    await expect(corpusSizes([{ path: join(dir, 'folder'), displayName: 'folder' }])).rejects.toThrow(new CorpusError('folder', 'is not a file'));
    expect(() => corpusFormatOf('data.parquet')).toThrow('data.parquet: .parquet files are not supported; give plain text or JSON Lines (.jsonl)');
    expect([corpusFormatOf('a.JSONL'), corpusFormatOf('a.txt'), corpusFormatOf('README')]).toEqual(['jsonl', 'text', 'text']);
  });
});
