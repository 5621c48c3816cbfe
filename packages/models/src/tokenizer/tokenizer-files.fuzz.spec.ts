import { fileURLToPath } from 'node:url';
import { FuzzFolder, JSON_SYNTAX, describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { HfTokenizer } from './hf-tokenizer.js';
import { TokenizerLoadError } from './tokenizer.errors.js';

const BASE = fileURLToPath(new URL('../../../../../shared/fixtures/golden-peft/base/', import.meta.url));
const FILES = { 'tokenizer.json': 'tokenizer.json', 'tokenizer_config.json': 'tokenizer_config.json', 'generation_config.json': 'generation_config.json' };

/** Loads the folder with one file replaced, and uses the tokenizer once (special tokens resolve lazily in places). */
function loadWith(folder: FuzzFolder, file: string) {
  return async (bytes: Uint8Array) => {
    folder.write(file, bytes);
    const tokenizer = await HfTokenizer.fromDir(folder.dir);
    tokenizer.decode(tokenizer.encode('hello world'));
  };
}

describe.each([
  ['tokenizer.json', 150],
  ['tokenizer_config.json', 400],
])('fuzz: %s', (file, runs) => {
  const folder = FuzzFolder.create(FILES, BASE);
  const seed = folder.bytes(file);
  afterAll(() => folder.remove());

  it(`every mutated ${file} loads or fails with one TokenizerLoadError line`, async () => {
    const report = await fuzzParser({ name: file, seeds: [seed], parse: loadWith(folder, file), named: [TokenizerLoadError], text: JSON_SYNTAX }, runs);
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(runs);
  });
});
