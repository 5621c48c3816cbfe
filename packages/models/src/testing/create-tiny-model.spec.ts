import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { ReferenceExecutor, SafetensorsFile } from '@tunekit/core';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config/model-config.js';
import { loadModel } from '../loading/load-model.js';
import { tempDirs } from './checkpoint.test-support.js';
import { runModel } from './model.test-support.js';
import { createTinyModel, tinyConfigJson } from './create-tiny-model.js';
import { TINY_PRESETS } from './tiny-presets.js';
import { BOS_TOKEN_ID, EOS_TOKEN_ID, TINY_TOKENIZER_SIZE } from './tiny-tokenizer.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const readJson = async (dir: string, name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;

describe('createTinyModel', () => {
  it('writes a complete Hugging Face folder', async () => {
    const dir = await dirs.make('tiny');
    const { config, weightFiles } = await createTinyModel({ arch: 'llama', dir, seed: 1 });
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(weightFiles).toEqual(['model.safetensors']);
    const raw = await readJson(dir, 'config.json');
    expect(Object.keys(raw)).toEqual(Object.keys(raw).sort());
    expect(raw).toMatchObject({ architectures: ['LlamaForCausalLM'], model_type: 'llama', torch_dtype: 'float32', bos_token_id: BOS_TOKEN_ID, eos_token_id: EOS_TOKEN_ID });
    expect(await readJson(dir, 'generation_config.json')).toMatchObject({ bos_token_id: BOS_TOKEN_ID, eos_token_id: EOS_TOKEN_ID });
    expect(config.vocab).toBeGreaterThanOrEqual(TINY_TOKENIZER_SIZE);
  });

  it('initialises as transformers does, reproducibly from the seed', async () => {
    const [a, b, c] = [await dirs.make('a'), await dirs.make('b'), await dirs.make('c')];
    await createTinyModel({ arch: 'qwen2', dir: a, seed: 9 });
    await createTinyModel({ arch: 'qwen2', dir: b, seed: 9 });
    await createTinyModel({ arch: 'qwen2', dir: c, seed: 10 });
    const [fa, fb, fc] = await Promise.all([a, b, c].map((d) => SafetensorsFile.open(join(d, 'model.safetensors'))));
    const q = 'model.layers.0.self_attn.q_proj.weight';
    const w = (await fa.read(q)).toFloat32();
    expect(w).toEqual((await fb.read(q)).toFloat32());
    expect(w).not.toEqual((await fc.read(q)).toFloat32());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect((await fa.read('model.layers.0.self_attn.q_proj.bias')).toFloat32().every((v) => v === 0)).toBe(true);
    expect((await fa.read('model.norm.weight')).toFloat32().every((v) => v === 1)).toBe(true);
    await Promise.all([fa, fb, fc].map((f) => f.close()));
  });

  it('writes a tokenizer that @huggingface/tokenizers loads, and a chat template that renders', async () => {
    const dir = await dirs.make('tok');
    await createTinyModel({ arch: 'gpt2', dir, seed: 1 });
    const tokenizerConfig = await readJson(dir, 'tokenizer_config.json');
    const tokenizer = new Tokenizer(await readJson(dir, 'tokenizer.json'), tokenizerConfig);
    const text = 'the cat sat on the mat, héllo!';
    const { ids } = tokenizer.encode(text);
    expect(ids.every((id: number) => id >= 0 && id < TINY_TOKENIZER_SIZE)).toBe(true);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(text).length); // merges applied
    expect(tokenizer.decode(ids)).toBe(text);

    const chat = new Template(tokenizerConfig.chat_template as string).render({
      messages: [{ role: 'user', content: 'hi' }],
      add_generation_prompt: true,
    });
    expect(chat).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    const encoded = tokenizer.encode(chat).ids;
    expect(encoded[0]).toBe(1);
    expect(encoded).toContain(EOS_TOKEN_ID);
  });

  it.each(Object.entries(TINY_PRESETS))('preset %s has the real model’s shapes', (name, preset) => {
    const config = parseModelConfig(tinyConfigJson({ preset: name as keyof typeof TINY_PRESETS }));
    const s = preset.shape;
    expect(config).toMatchObject({
      modelType: preset.modelType, hidden: s.hidden, intermediate: s.intermediate, layers: s.layers, heads: s.heads,
      kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab, tieWordEmbeddings: s.tied, norm: { eps: s.eps },
      rope: { theta: s.ropeTheta },
    });
    const moe = 'experts' in s ? { experts: s.experts, topK: s.expertsPerToken, expertIntermediate: s.expertIntermediate } : null;
    expect(config.moe && { experts: config.moe.experts, topK: config.moe.topK, expertIntermediate: config.moe.expertIntermediate }).toEqual(moe);
    expect(parseModelConfig(tinyConfigJson({ preset: name as keyof typeof TINY_PRESETS, layers: 2 })).layers).toBe(2);
  });

  it.each(['phi3', 'olmo2', 'smollm3', 'granite', 'gpt_neox'] as const)('builds a %s checkpoint that loads with every tensor and runs', async (arch) => {
    const dir = await dirs.make(arch);
    await createTinyModel({ arch, dir, seed: 3 });
    const { model, config } = await loadModel(dir);
    expect(config.modelType).toBe(arch);
    const { logits } = await runModel(model, new ReferenceExecutor(), { ids: [[1, 5, 9]] });
    expect(logits.shape).toEqual([1, 3, config.vocab]);
    expect(logits.toFloat32().every(Number.isFinite)).toBe(true);
  });

  it('refuses a preset of another model_type, and a vocab smaller than the tokenizer', async () => {
    expect(() => tinyConfigJson({ arch: 'llama', preset: 'qwen2.5-0.5b' })).toThrow(/qwen2\.5-0\.5b is a qwen2 model, not llama/);
    await expect(createTinyModel({ arch: 'llama', dir: await dirs.make('v'), seed: 1, vocab: 100 })).rejects.toThrow(/vocab 100 is smaller/);
  });
});
