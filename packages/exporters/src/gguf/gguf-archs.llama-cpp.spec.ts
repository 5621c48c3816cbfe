import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
    expect(await llamaCppGreedy(file, prompt, ref.max_new_tokens)).toEqual(expected);
  }, 300_000);

  it("smollm3 with llama.cpp's NoPE period (every 4th layer): llama.cpp continues greedily as TuneKit does", async () => {
    // The golden checkpoint skips rotation every 2nd layer, which llama.cpp cannot express (refused,
    // see decoder-graph.checks.spec.ts); its weights with SmolLM3-3B's period have no transformers reference.
    const modelDir = join(dir, 'smollm3-nope4');
    await cp(join(GOLDEN, 'smollm3', 'model'), modelDir, { recursive: true });
    const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(modelDir, 'config.json'), JSON.stringify({ ...config, no_rope_layers: [1, 1, 1, 0], no_rope_layer_interval: 4 }));
    const { model } = await loadModel(modelDir);
    expect(model.config.ropeLayers).toEqual([true, true, true, false]);
    const file = join(dir, 'smollm3.gguf');
    await exportGguf(model, tokenizer, tokenizerDir, file, { preset: 'F32', name: 'golden' });
    const prompt = [180, 496, 430, 186, 81, 236, 121, 267];
    const ours = [...(await generate(model, executor, [prompt], { maxNewTokens: 16, eosTokenIds: [] })).sequences[0]!].slice(prompt.length);
    expect(await llamaCppGreedy(file, prompt, 16)).toEqual(ours);
  }, 300_000);
});

async function llamaCppGreedy(file: string, prompt: readonly number[], maxNew: number): Promise<number[]> {
  const g = await loadGguf(file);
  try {
    return await llamaGreedy(g, prompt, maxNew, new Set());
  } finally {
    await g.dispose();
  }
}
