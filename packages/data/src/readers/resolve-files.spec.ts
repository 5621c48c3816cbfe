import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempDir } from '../testing/temp-files.test-support.js';
import { readerFor, READERS } from './reader.registry.js';
import { resolveDataFiles, type HubFilesRef } from './resolve-files.js';

describe('resolveDataFiles', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await TempDir.create();
    for (const f of ['data/b.jsonl', 'data/a.jsonl', 'data/sub/c.jsonl', 'data/notes.txt']) await dir.write(f, '{}\n');
  });
  afterEach(() => dir.remove());

  it('expands globs sorted, keeps list order, drops duplicates and keeps the user-facing names', async () => {
    const files = await resolveDataFiles(['data/sub/c.jsonl', 'data/**/*.jsonl'], { cwd: dir.root });
    expect(files.map((f) => f.displayName)).toEqual(['data/sub/c.jsonl', 'data/a.jsonl', 'data/b.jsonl']);
    expect(files[1].path).toBe(`${dir.root}/data/a.jsonl`);
  });

  it('fails on a glob that matches nothing and on a missing file', async () => {
    await expect(resolveDataFiles('data/*.parquet', { cwd: dir.root })).rejects.toThrow(`dataset path: data/*.parquet matches no files (in ${dir.root})`);
    await expect(resolveDataFiles('data/nope.jsonl', { cwd: dir.root })).rejects.toThrow('dataset path: data/nope.jsonl does not exist');
  });

  it('resolves hf://datasets references, globs included, through the injected resolver, naming files by reference', async () => {
    const asked: HubFilesRef[] = [];
    const resolveHubFiles = async (ref: HubFilesRef) => (asked.push(ref), `${dir.root}/data`);
    const files = await resolveDataFiles(['hf://datasets/tatsu-lab/alpaca@v1/*.jsonl', 'hf://datasets/tatsu-lab/alpaca/sub/c.jsonl'], { resolveHubFiles });
    expect(asked).toEqual([
      { repoType: 'dataset', repo: 'tatsu-lab/alpaca', revision: 'v1', pattern: '*.jsonl' },
      { repoType: 'dataset', repo: 'tatsu-lab/alpaca', pattern: 'sub/c.jsonl' },
    ]);
    expect(files).toEqual([
      { path: `${dir.root}/data/a.jsonl`, displayName: 'hf://datasets/tatsu-lab/alpaca@v1/a.jsonl' },
      { path: `${dir.root}/data/b.jsonl`, displayName: 'hf://datasets/tatsu-lab/alpaca@v1/b.jsonl' },
      { path: `${dir.root}/data/sub/c.jsonl`, displayName: 'hf://datasets/tatsu-lab/alpaca/sub/c.jsonl' },
    ]);
  });

  it('names what is wrong with a Hub reference', async () => {
    const resolveHubFiles = async () => `${dir.root}/data`;
    await expect(resolveDataFiles('hf://datasets/a/b/x.jsonl')).rejects.toThrow('is a Hub reference, but no Hub resolver was given to loadDataset');
    await expect(resolveDataFiles('hf://datasets/a/x.jsonl', { resolveHubFiles })).rejects.toThrow('is not a Hub file reference');
    await expect(resolveDataFiles('hf://datasets/a/b/*.csv', { resolveHubFiles })).rejects.toThrow('dataset path: hf://datasets/a/b/*.csv matches no files');
  });
});

describe('readerFor', () => {
  it('picks the reader by extension and names the known ones otherwise', () => {
    expect(readerFor('x/TRAIN.JSONL')).toBe(READERS.jsonl);
    expect(readerFor('x.tsv')).toBe(READERS.tsv);
    expect(() => readerFor('x.xlsx')).toThrow('x.xlsx: no reader for .xlsx files; expected one of .jsonl .ndjson .json .csv .tsv .parquet .txt .text');
  });
});
