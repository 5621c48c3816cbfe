import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HfTokenizer, HfTokenizer as Tokenizer, generate, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { exportGguf } from './export-gguf.js';
import { executor, llamaGreedy, loadGguf } from './testing/llama-cpp.test-support.js';

// Every architecture GGUF export maps beyond llama/qwen/gpt2, proven on transformers' own random
// checkpoints: llama.cpp's greedy tokens equal transformers' (the fixture) and TuneKit's.

const GOLDEN = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/archs_extra/', import.meta.url));
const ARCHS = ['gemma', 'gemma2', 'gemma3_text', 'phi3', 'mixtral', 'qwen3_moe', 'olmo2', 'granite', 'gpt_neox'] as const;

interface Greedy {
  readonly input_ids: number[][];
  readonly output_ids: number[][];
  readonly max_new_tokens: number;
}

let dir: string;
/** The checkpoints have no tokenizer: a small byte-level BPE one (fewer tokens than their 512 rows) fills the GGUF's vocabulary. */
let tokenizer: HfTokenizer;
let tokenizerDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tunekit-gguf-archs-'));
  tokenizerDir = (await createTinyModel({ arch: 'llama', dir: join(dir, 'tokenizer'), seed: 1 })).dir;
  tokenizer = await Tokenizer.fromDir(tokenizerDir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('GGUF of the other architectures in llama.cpp (node-llama-cpp 3.21.1), F32', () => {
  it.each(ARCHS)('%s: llama.cpp continues greedily as transformers and TuneKit do', async (arch) => {
    const { model } = await loadModel(join(GOLDEN, arch, 'model'));
    const { greedy_single: ref } = JSON.parse(await readFile(join(GOLDEN, arch, 'public', 'expected.json'), 'utf8')) as { greedy_single: Greedy };
    const prompt = ref.input_ids[0]!;
    const expected = ref.output_ids[0]!.slice(prompt.length);
    const file = join(dir, `${arch}.gguf`);
    // Not the architecture's name: llama.cpp keys vocabulary quirks on general.name ("phi3" looks up Phi-3's own tokens).
    await exportGguf(model, tokenizer, tokenizerDir, file, { preset: 'F32', name: 'golden' });

    const ours = await generate(model, executor, [prompt], { maxNewTokens: ref.max_new_tokens, eosTokenIds: [] });
    expect([...ours.sequences[0]!].slice(prompt.length)).toEqual(expected);
    const g = await loadGguf(file);
    try {
      expect(await llamaGreedy(g, prompt, ref.max_new_tokens, new Set())).toEqual(expected);
    } finally {
      await g.dispose();
    }
  }, 300_000);
});
