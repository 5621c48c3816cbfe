import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonFileError, SafetensorsError } from '@tunekit/core';
import { FuzzFolder, JSON_SYNTAX, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { CheckpointError, createModel, parseModelConfig } from '@tunekit/models';
import { afterAll, describe, expect, it } from 'vitest';
import { IA3_METHOD } from '../ia3/index.js';
import { LORA_METHOD } from '../lora/index.js';
import { PREFIX_TUNING_METHOD } from '../prefix-tuning/index.js';
import { PROMPT_TUNING_METHOD } from '../prompt-tuning/index.js';
import type { PeftMethod } from './peft-method.interface.js';
import { AdapterConfigError, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './adapter-files.js';
import { PeftConfigError } from './config-validation.js';

const GOLDEN = fileURLToPath(new URL('../../../../../shared/fixtures/golden-peft/', import.meta.url));
const baseConfig = parseModelConfig(JSON.parse(readFileSync(`${GOLDEN}base/config.json`, 'utf8')));

/** PEFT's own saved adapters (every field PEFT 0.21 writes), one per method family. */
const CASES: readonly { name: string; method: PeftMethod; runs: number }[] = [
  { name: 'lora', method: LORA_METHOD, runs: 150 },
  { name: 'dora', method: LORA_METHOD, runs: 100 },
  { name: 'ia3', method: IA3_METHOD, runs: 100 },
  { name: 'prefix_projection', method: PREFIX_TUNING_METHOD, runs: 100 },
  { name: 'prompt_text', method: PROMPT_TUNING_METHOD, runs: 100 },
];

describe.each(CASES)('fuzz: adapter_config.json ($name)', (c) => {
  const folder = FuzzFolder.create({ [ADAPTER_CONFIG]: ADAPTER_CONFIG, [ADAPTER_WEIGHTS]: ADAPTER_WEIGHTS }, `${GOLDEN}peft-saved/${c.name}/adapter`);
  const seed = folder.bytes(ADAPTER_CONFIG);
  afterAll(() => folder.remove());

  it('every mutated adapter_config.json loads onto the base or fails with one named line', async () => {
    const report = await fuzzParser(
      {
        name: `adapter_config.json (${c.name})`,
        seeds: [seed],
        parse: async (bytes) => {
          folder.write(ADAPTER_CONFIG, bytes);
          // A fresh base each case (loading wraps its layers); weights left unset, only shapes matter.
          await c.method.load(createModel(baseConfig, { empty: true }), folder.dir, { trainable: false });
        },
        named: [AdapterConfigError, PeftConfigError, JsonFileError, CheckpointError, SafetensorsError],
        text: JSON_SYNTAX,
      },
      c.runs,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(c.runs);
  });
});
