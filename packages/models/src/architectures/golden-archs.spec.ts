import { type GoldenSuiteOptions, goldenArchSuite } from '../testing/golden.test-support.js';

/** transformers' own outputs for every architecture TuneKit loads (see golden.test-support.ts). */
const ARCHS: Record<string, GoldenSuiteOptions> = {
  llama: {},
  llama_tied_bf16_sharded: {},
  mistral: {},
  qwen2: {},
  qwen3: {},
  gpt2: {},
};

for (const [arch, opts] of Object.entries(ARCHS)) goldenArchSuite(`archs/${arch}`, opts);
