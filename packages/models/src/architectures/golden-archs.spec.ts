import { goldenArchSuite } from '../testing/golden.test-support.js';

/** transformers' own outputs for every architecture TuneKit loads (see golden.test-support.ts). */
for (const arch of ['llama', 'llama_tied_bf16_sharded', 'mistral', 'qwen2', 'qwen3', 'gpt2']) goldenArchSuite(`archs/${arch}`);
