import { OrtExecutor } from '@tunekit/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedModel, loadModel } from '../loading/load-model.js';
import { generate } from './generator.js';

/** transformers' Mistral with a 5-key window (shared/fixtures/golden-transformers/archs/mistral). */
const DIR = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/archs/mistral/', import.meta.url));

interface Greedy {
  input_ids: number[][];
  attention_mask?: number[][];
  output_ids: number[][];
  max_new_tokens: number;
}

describe('greedy generation past the sliding window (transformers, archs/mistral)', () => {
  const ort = new OrtExecutor({ threads: 1 });
  const expected = JSON.parse(readFileSync(`${DIR}public/expected.json`, 'utf8')) as Record<'greedy_single' | 'greedy_left_padded', Greedy>;
  let loaded: LoadedModel;
  beforeAll(async () => {
    loaded = await loadModel(`${DIR}model`);
  });
  afterAll(() => ort.dispose());

  it.each(['greedy_single', 'greedy_left_padded'] as const)('%s: the static-cache generator picks transformers’ tokens', async (name) => {
    const c = expected[name];
    expect(loaded.model.config.slidingWindow).toBe(5);
    const prompts = c.input_ids.map((row, b) => row.filter((_, i) => (c.attention_mask?.[b][i] ?? 1) === 1));
    // 8-token prompts plus up to 16 new tokens: every step past the 5th sees a window of the cache.
    const result = await generate(loaded.model, ort, prompts, { maxNewTokens: c.max_new_tokens, eosTokenIds: [], doSample: false });
    expect(result.outputIds).toEqual(c.output_ids.map((row) => row.slice(c.input_ids[0].length)));
  });
});
