import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packedAttentionMask } from './batching/packer.js';
import { DatasetConfigError, parseDatasetConfig } from './dataset.config.js';
import { loadDataset } from './dataset.js';
import { Qwen3TestTokenizer } from './testing/qwen3-tokenizer.test-support.js';
import { jsonl, TempDir } from './testing/temp-files.test-support.js';
import { IGNORE_INDEX } from './tokenize/tokenized-example.js';

const chat = (q: string, a: string) => ({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });

describe('loadDataset', () => {
  let tokenizer: Qwen3TestTokenizer;
  let dir: TempDir;
  beforeAll(async () => (tokenizer = await Qwen3TestTokenizer.load()));
  beforeEach(async () => (dir = await TempDir.create()));
  afterEach(() => dir.remove());

  it('stops at a bad row with file, line and field, as the user wrote the path', async () => {
    const good = Array.from({ length: 1288 }, (_, i) => chat(`q${i}`, `a${i}`));
    const bad = { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }, { role: 'bot', content: 'z' }] };
    await dir.write('data/train.jsonl', jsonl([...good, bad]));
    await expect(loadDataset({ path: 'data/train.jsonl' }, tokenizer, { cwd: dir.root })).rejects.toThrow(
      'data/train.jsonl:1289: messages[2].role: expected one of system|user|assistant, got "bot"',
    );
  });

  it('skips and counts bad rows of every kind under skip_bad_rows', async () => {
    const lines = [
      JSON.stringify(chat('q1', 'a1')),
      '{"messages": [',
      JSON.stringify({ messages: [{ role: 'bot', content: 'x' }] }),
      JSON.stringify({ prompt: 'no messages here' }),
      JSON.stringify(chat('q2', 'a2')),
    ];
    await dir.write('train.jsonl', lines.join('\n'));
    const { train, stats } = await loadDataset({ path: 'train.jsonl', skip_bad_rows: true }, tokenizer, { cwd: dir.root });
    expect(stats).toMatchObject({ rows: 5, skipped: 3, format: 'messages', trainExamples: 2 });
    expect(train.rows).toHaveLength(2);
    expect(stats.badRowSamples).toEqual([
      expect.stringMatching(/^train\.jsonl:2: invalid JSON/),
      'train.jsonl:3: messages[0].role: expected one of system|user|assistant, got "bot"',
      'train.jsonl:4: messages: expected an array, got nothing',
    ]);
  });

  it('reads several files and formats by glob, detecting the format and mapping columns', async () => {
    await copyFile(fileURLToPath(new URL('./readers/fixtures/alpaca.parquet', import.meta.url)), `${dir.root}/part-0.parquet`);
    await dir.write('part-1.csv', 'question,answer\nWhat is 1+1?,2\n');
    await dir.write('part-2.jsonl', jsonl([{ question: 'Capital of Italy?', answer: 'Rome' }]));
    const columns = { instruction: 'question', output: 'answer' };
    const { train, stats } = await loadDataset({ path: 'part-[12].*', columns, shuffle: false }, tokenizer, { cwd: dir.root });
    expect(stats).toMatchObject({ rows: 2, format: 'alpaca', trainExamples: 2 });
    const answers = train.rows.map((r) => tokenizer.decode([...r.labels].filter((l) => l !== IGNORE_INDEX)));
    expect(answers).toEqual(['<think>\n\n</think>\n\n2<|im_end|>', '<think>\n\n</think>\n\nRome<|im_end|>']);
    const parquet = await loadDataset({ path: '*.parquet', format: 'alpaca' }, tokenizer, { cwd: dir.root });
    expect(parquet.stats).toMatchObject({ rows: 5, format: 'alpaca', trainExamples: 5 });
    await expect(loadDataset({ path: ['*.parquet', 'part-2.jsonl'], format: 'alpaca' }, tokenizer, { cwd: dir.root })).rejects.toThrow(
      'part-2.jsonl:1: instruction: expected a string, got nothing',
    );
    // One mapping serves every file: the Parquet file's own column names are not where it points.
    await expect(loadDataset({ path: 'part-*', columns }, tokenizer, { cwd: dir.root })).rejects.toThrow('part-0.parquet:1: cannot detect the record format');
  });

  it('reads Hub dataset files through the injected resolver', async () => {
    await dir.write('snapshot/train.jsonl', jsonl([{ text: 'hello world' }]));
    const { stats } = await loadDataset({ path: 'hf://datasets/org/set/train.jsonl' }, tokenizer, { resolveHubFiles: async () => `${dir.root}/snapshot` });
    expect(stats).toMatchObject({ rows: 1, format: 'text' });
  });

  it('truncates, counts cut rows, and drops rows left with nothing to train, each row counted once', async () => {
    const long = 'word '.repeat(200);
    await dir.write('t.jsonl', jsonl([chat('short', 'ok'), chat('q', long), chat(long, 'answer cut away')]));
    const right = await loadDataset({ path: 't.jsonl', max_length: 64 }, tokenizer, { cwd: dir.root });
    // The third row is cut and then dropped: it counts as dropped, not as truncated, so the counts add up to the file.
    expect(right.stats).toMatchObject({ rows: 3, truncated: 1, untrainable: 1, trainExamples: 2 });
    for (const row of right.train.rows) expect(row.inputIds.length).toBeLessThanOrEqual(64);
    const left = await loadDataset({ path: 't.jsonl', max_length: 64, truncation_side: 'left' }, tokenizer, { cwd: dir.root });
    expect(left.stats).toMatchObject({ truncated: 2, untrainable: 0, trainExamples: 3 });
  });

  it('counts lines that are not UTF-8 and names the first, or refuses them under strict_utf8', async () => {
    const latin1 = Buffer.from(`${JSON.stringify(chat('caf\xe9?', 'oui'))}\n`, 'latin1');
    await dir.write('mixed.jsonl', Buffer.concat([Buffer.from(jsonl([chat('q1', 'a1'), chat('q2', 'a2')])), latin1, latin1]));
    const { stats } = await loadDataset({ path: 'mixed.jsonl' }, tokenizer, { cwd: dir.root });
    expect(stats).toMatchObject({ rows: 4, trainExamples: 4, invalidUtf8Lines: 2, firstInvalidUtf8: 'mixed.jsonl:3' });
    await expect(loadDataset({ path: 'mixed.jsonl', strict_utf8: true }, tokenizer, { cwd: dir.root })).rejects.toThrow(
      'mixed.jsonl:3: bytes that are not UTF-8 (2 lines of the file); convert it to UTF-8, or drop data.strict_utf8 to read them as U+FFFD',
    );
  });

  it('packs into full rows whose documents cannot see each other', async () => {
    await dir.write('t.jsonl', jsonl(Array.from({ length: 40 }, (_, i) => chat(`question ${i}`, `answer number ${i}`))));
    const unpacked = await loadDataset({ path: 't.jsonl', max_length: 128 }, tokenizer, { cwd: dir.root });
    const { train, stats } = await loadDataset({ path: 't.jsonl', max_length: 128, packing: true }, tokenizer, { cwd: dir.root });
    expect(stats.trainRows).toBeLessThan(stats.trainExamples / 3);
    expect(train.rows.reduce((n, r) => n + r.inputIds.length, 0)).toBe(stats.tokens);
    expect(stats.tokens).toBe(unpacked.stats.tokens);
    const batch = train.batcher(2).batchAt({ epoch: 0, index: 0 });
    const t = batch.tensors.input_ids.shape[1];
    const mask = packedAttentionMask(batch.tensors.document_ids.data.subarray(0, t));
    const docs = batch.tensors.document_ids.data.subarray(0, t);
    const firstOfSecond = docs.indexOf(2);
    expect(mask[firstOfSecond * t + firstOfSecond - 1]).toBe(0);
    expect(batch.tensors.position_ids.data[firstOfSecond]).toBe(0n);
  });

  it('splits validation by ratio and seed, or reads a validation file', async () => {
    await dir.write('t.jsonl', jsonl(Array.from({ length: 20 }, (_, i) => chat(`q${i}`, `a${i}`))));
    await dir.write('v.jsonl', jsonl([chat('vq', 'va')]));
    const a = await loadDataset({ path: 't.jsonl', validation_split: 0.25, seed: 5 }, tokenizer, { cwd: dir.root });
    const b = await loadDataset({ path: 't.jsonl', validation_split: 0.25, seed: 5 }, tokenizer, { cwd: dir.root });
    expect(a.stats).toMatchObject({ trainExamples: 15, validationExamples: 5 });
    expect(a.validation?.rows.map((r) => [...r.inputIds])).toEqual(b.validation?.rows.map((r) => [...r.inputIds]));
    const separate = await loadDataset({ path: 't.jsonl', validation_path: 'v.jsonl', validation_split: 0.25 }, tokenizer, { cwd: dir.root });
    expect(separate.stats).toMatchObject({ trainExamples: 20, validationExamples: 1 });
    expect(separate.validation?.batcher(4).plan(0)).toEqual([[0]]);
  });
});

describe('parseDatasetConfig', () => {
  it('fills defaults', () => {
    expect(parseDatasetConfig({ path: 'a.jsonl' })).toMatchObject({ path: 'a.jsonl', format: 'auto', max_length: 1024, pad_to_multiple_of: 8, packing: false });
  });

  it.each([
    // A typo gets the did-you-mean every parser gives (it listed every key before); the list stays for keys near none.
    [{ path: 'a', formatt: 'x' }, 'dataset.formatt: unknown key (did you mean "format"?)'],
    [{ path: 'a', zzz: 'x' }, 'dataset.zzz: unknown key; expected one of path, format, columns'],
    [{ path: 'a', format: 'chatml' }, 'dataset.format: expected one of auto|messages|sharegpt|alpaca|prompt_completion|text|preference|unpaired_preference, got "chatml"'],
    [{ path: 'a', max_length: 0 }, 'dataset.max_length: expected a positive integer, got 0'],
    [{ path: 'a', validation_split: 1.5 }, 'dataset.validation_split: expected a number in [0, 1), got 1.5'],
    [{ path: 'a', columns: { instruction: 3 } }, 'dataset.columns: expected a mapping of format field to column name'],
    [{}, 'dataset.path: required'],
  ])('%j is rejected', (raw, message) => {
    expect(() => parseDatasetConfig(raw)).toThrow(message);
  });

  it('reports every bad key with its key path on one DatasetConfigError', () => {
    const error = (() => {
      try {
        parseDatasetConfig({ path: 'a', max_length: 0, packing: 'yes' });
      } catch (e) {
        return e as DatasetConfigError;
      }
    })();
    expect(error).toBeInstanceOf(DatasetConfigError);
    expect(error?.problems.map((p) => p.path)).toEqual([['max_length'], ['packing']]);
    expect(error?.message).toBe('dataset.max_length: expected a positive integer, got 0\ndataset.packing: expected true or false, got "yes"');
  });
});
