import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonFileError, readJsonObject } from '@tunekit/core';
import { FuzzFolder, JSON_SYNTAX, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelConfigError } from './config-error.js';
import { parseModelConfig } from './model-config.js';

const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));
/** One config.json per family and per rope/norm/MoE variant the parser reads. */
const SEEDS = ['golden-peft/base', 'tiny-random-gpt2', 'golden-transformers/archs/qwen3/model', 'golden-transformers/archs_extra/gemma3_text/model', 'golden-transformers/archs_extra/qwen3_moe/model', 'golden-transformers/archs_extra/gpt_neox/model'].map(
  (dir) => new Uint8Array(readFileSync(`${FIXTURES}${dir}/config.json`)),
);

const folder = FuzzFolder.create({});
afterAll(() => folder.remove());

describe('fuzz: config.json', () => {
  it('every mutated config.json parses or fails with one ModelConfigError/JsonFileError line', async () => {
    const report = await fuzzParser(
      {
        name: 'config.json',
        seeds: SEEDS,
        // As loadModel reads it: the JSON object, then the model config.
        parse: async (bytes) => parseModelConfig(await readJsonObject(folder.write('config.json', bytes)), 'config.json'),
        named: [ModelConfigError, JsonFileError],
        text: JSON_SYNTAX,
      },
      600,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(600);
  });
});
