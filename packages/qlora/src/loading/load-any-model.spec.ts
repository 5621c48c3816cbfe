import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linear } from '@tunekit/core';
import { loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { parseBnbConfig } from '../config/bnb.config.js';
import { Linear8bit } from '../int8/linear-8bit.js';
import { Linear4bit } from '../layers/linear-4bit.js';
import { saveInt8Model } from '../serialization/bnb-8bit.format.js';
import { saveQuantizedModel } from '../serialization/bnb-4bit.format.js';
import { loadModel4bit } from './load-4bit.js';
import { loadAnyModel } from './load-any-model.js';

let root: string;
let full: string;
const nf4 = parseBnbConfig({ load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true });
const int8 = parseBnbConfig({ load_in_8bit: true });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-loadany-'));
  full = (await createTinyModel({ arch: 'llama', dir: join(root, 'full'), seed: 2 })).dir;
  await saveQuantizedModel((await loadModel(full)).model, join(root, 'nf4'), { quantType: 'nf4', doubleQuant: true });
  await writeFile(join(root, 'nf4', 'generation_config.json'), '{"max_new_tokens": 7}\n');
  await saveInt8Model((await loadModel(full)).model, join(root, 'int8'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('loadAnyModel', () => {
  it('loads a full-precision folder as it is when no quantization is asked for', async () => {
    const loaded = await loadAnyModel(full);
    expect(loaded).toMatchObject({ quantization: null, quantizedAt: null, quantized: [], dir: full });
    expect(loaded.model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear);
    expect(loaded.generationConfig).not.toBeNull();
  });

  it('quantizes a full-precision folder while loading, exactly as loadModel4bit does', async () => {
    const loaded = await loadAnyModel(full, { quantization: nf4, blocksize: 128 });
    expect(loaded).toMatchObject({ quantization: nf4, quantizedAt: 'load' });
    const direct = await loadModel4bit(full, { quantType: 'nf4', doubleQuant: true, blocksize: 128 });
    expect(loaded.quantized).toEqual(direct.quantized);
    const want = new Map(direct.model.namedParameters());
    for (const [name, p] of loaded.model.namedParameters()) expect(sameBytes(p.value.data, want.get(name)!.value.data), name).toBe(true);
    expect((loaded.model.getModule('model.layers.0.mlp.up_proj') as Linear4bit).quantState.blocksize).toBe(128);

    const eight = await loadAnyModel(full, { quantization: int8 });
    expect(eight.model.getModule('model.layers.0.mlp.up_proj')).toBeInstanceOf(Linear8bit);
    expect(eight.quantizedAt).toBe('load');
  });

  it("loads a pre-quantized 4-bit folder as stored, with its quantization_config and generation config", async () => {
    const loaded = await loadAnyModel(join(root, 'nf4'), { dtype: 'bf16' });
    expect(loaded.quantizedAt).toBe('checkpoint');
    expect(loaded.quantization).toMatchObject({ load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true });
    expect(loaded.quantized).toContain('model.layers.1.self_attn.o_proj');
    expect(loaded.generationConfig).toEqual({ max_new_tokens: 7 });
    const layer = loaded.model.getModule('model.layers.0.self_attn.q_proj') as Linear4bit;
    expect(layer).toBeInstanceOf(Linear4bit);
    // dtype applies to what is not quantized; the 4-bit layer's scales stay as bitsandbytes stores them.
    expect(layer.nestedAbsmax!.dtype).toBe('f32');
    expect(loaded.model.namedParameters().find(([n]) => n === 'model.embed_tokens.weight')![1].dtype).toBe('bf16');
    // A matching request is fine.
    expect((await loadAnyModel(join(root, 'nf4'), { quantization: nf4 })).quantizedAt).toBe('checkpoint');
  });

  it('loads a pre-quantized 8-bit folder as stored', async () => {
    const loaded = await loadAnyModel(join(root, 'int8'));
    expect(loaded).toMatchObject({ quantizedAt: 'checkpoint', quantization: { load_in_8bit: true } });
    expect(loaded.model.getModule('model.layers.0.mlp.down_proj')).toBeInstanceOf(Linear8bit);
  });

  it('refuses a request that contradicts the stored quantization, and quantization methods it cannot read', async () => {
    const config = join(root, 'nf4', 'config.json');
    await expect(loadAnyModel(join(root, 'nf4'), { quantization: int8 })).rejects.toThrow(
      `${config}: the checkpoint is already quantized (4-bit nf4, double quant, compute float32, skip lm_head); it cannot be loaded as 8-bit LLM.int8`,
    );
    const raw = JSON.parse(await readFile(config, 'utf8'));
    await createTinyModel({ arch: 'llama', dir: join(root, 'gptq'), seed: 2, config: { quantization_config: { ...raw.quantization_config, quant_method: 'gptq' } } });
    await expect(loadAnyModel(join(root, 'gptq'))).rejects.toThrow(
      `${join(root, 'gptq', 'config.json')}: quantization_config: quant_method "gptq" is not supported; TuneKit loads bitsandbytes 4-bit and 8-bit checkpoints`,
    );
  });
});
