import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonFileError } from '@tunekit/core';
import { FuzzFolder, JSON_SYNTAX, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error.js';
import { SHARD_INDEX, findWeightFiles } from './weight-files.js';

const SHARDED = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/archs/llama_tied_bf16_sharded/model/', import.meta.url));
const index = new Uint8Array(readFileSync(`${SHARDED}${SHARD_INDEX}`));
const shards = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`model-0000${i + 1}-of-00009.safetensors`, new Uint8Array(0)]));

// The index names the shards; they exist (empty: only their names matter to the index's parser).
const folder = FuzzFolder.create(shards);
afterAll(() => folder.remove());

describe('fuzz: model.safetensors.index.json', () => {
  it('every mutated index resolves to shard files in its folder or fails with one named line', async () => {
    const report = await fuzzParser(
      {
        name: 'model.safetensors.index.json',
        seeds: [index],
        parse: async (bytes) => {
          folder.write(SHARD_INDEX, bytes);
          await findWeightFiles(folder.dir);
        },
        named: [CheckpointError, JsonFileError],
        text: JSON_SYNTAX,
      },
      400,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(400);
  });
});
