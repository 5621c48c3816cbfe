import { describe, expect, it } from 'vitest';
import { modelFilePlan, patternFilePlan, shardsOfIndex, type RepoFiles } from './repo-file-plan.js';

function repo(paths: string[], texts: Record<string, string> = {}): RepoFiles & { read: string[] } {
  const read: string[] = [];
  return {
    paths: new Set(paths),
    read,
    readText: async (path) => {
      read.push(path);
      return texts[path] ?? '';
    },
  };
}

const index = JSON.stringify({
  metadata: { total_size: 10 },
  weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors', 'c.weight': 'model-00001-of-00002.safetensors' },
});

describe('modelFilePlan', () => {
  it('takes only the shards the index lists, not a consolidated duplicate', async () => {
    const files = repo(
      ['config.json', 'tokenizer.json', 'README.md', 'consolidated.safetensors', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
      { 'model.safetensors.index.json': index },
    );
    expect(await modelFilePlan(files)).toEqual({
      files: ['config.json', 'tokenizer.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
      missing: [],
    });
    expect(files.read).toEqual(['model.safetensors.index.json']);
  });

  it('takes top-level .safetensors files when there is no index', async () => {
    const plan = await modelFilePlan(repo(['config.json', 'model.safetensors', 'onnx/model.safetensors', 'generation_config.json']));
    expect(plan).toEqual({ files: ['config.json', 'generation_config.json', 'model.safetensors'], missing: [] });
  });

  it('reports config.json, weights and listed shards that are missing, but not optional files', async () => {
    expect((await modelFilePlan(repo(['tokenizer.json']))).missing).toEqual([
      'config.json',
      'model.safetensors (or model.safetensors.index.json and its shards)',
    ]);
    const partial = repo(['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors'], { 'model.safetensors.index.json': index });
    expect((await modelFilePlan(partial)).missing).toEqual(['model-00002-of-00002.safetensors']);
  });
});

describe('patternFilePlan', () => {
  it('takes the union of matches and reports plain names and globs that find nothing', async () => {
    const plan = patternFilePlan(['*.json', 'data/', 'README.md', 'LICENSE', '*.parquet']);
    expect(await plan(repo(['config.json', 'README.md', 'data/train.jsonl', 'data/test.jsonl', 'x.bin']))).toEqual({
      files: ['README.md', 'config.json', 'data/test.jsonl', 'data/train.jsonl'],
      missing: ['LICENSE', '*.parquet (no file matches)'],
    });
  });
});

describe('shardsOfIndex', () => {
  it('names the index when it is malformed', () => {
    expect(() => shardsOfIndex('{', 'idx.json')).toThrow(/^idx\.json: is not valid JSON/);
    expect(() => shardsOfIndex('{"weight_map": []}', 'idx.json')).toThrow('idx.json: weight_map must be an object of tensor name → shard file');
    expect(() => shardsOfIndex('{"weight_map": {"w": "../../etc/passwd"}}', 'idx.json')).toThrow(/invalid shard file name/);
  });
});
