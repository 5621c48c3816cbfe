import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonFileError, readJsonObject } from '@tunekit/core';
import { FuzzFolder, JSON_SYNTAX, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config/model-config.js';
import { GenerationConfigError, resolveGenerationConfig } from './generation-config.js';

const BASE = fileURLToPath(new URL('../../../../../shared/fixtures/golden-peft/base/', import.meta.url));
const modelConfig = parseModelConfig(JSON.parse(readFileSync(`${BASE}config.json`, 'utf8')));
/** The fixture's file, and one with every sampling field and an eos list (what Llama 3 and Qwen ship). */
const SEEDS = [
  new Uint8Array(readFileSync(`${BASE}generation_config.json`)),
  new TextEncoder().encode(JSON.stringify({ do_sample: true, temperature: 0.7, top_k: 20, top_p: 0.8, repetition_penalty: 1.05, max_new_tokens: 64, eos_token_id: [2, 3], pad_token_id: 0 })),
];

const folder = FuzzFolder.create({});
afterAll(() => folder.remove());

describe('fuzz: generation_config.json', () => {
  it('every mutated generation_config.json resolves or fails with one named line', async () => {
    const report = await fuzzParser(
      {
        name: 'generation_config.json',
        seeds: SEEDS,
        // As loadModel reads it, then as generate resolves it for an 8-token prompt.
        parse: async (bytes) => resolveGenerationConfig({}, { generationConfig: await readJsonObject(folder.write('generation_config.json', bytes)), modelConfig }, 8),
        named: [GenerationConfigError, JsonFileError],
        text: JSON_SYNTAX,
      },
      400,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(400);
  });
});
