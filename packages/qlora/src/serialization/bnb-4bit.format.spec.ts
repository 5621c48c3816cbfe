import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor, OrtExecutor, ReferenceExecutor, Tensor, readSafetensors, writeSafetensors } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear4bit, codeTable4bit, quantizeModel } from '../layers/linear-4bit.js';
import { Bnb4bitFormatError, loadQuantizedModel, quantizedStateDict, saveQuantizedModel } from './bnb-4bit.format.js';

const ort = new OrtExecutor();
const ref = new ReferenceExecutor();
afterAll(() => ort.dispose());
const IDS = HostTensor.i64([1, 6], [5, 9, 2, 77, 120, 8]);
const tiny = () => createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 1, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 3 });

async function logits(exec: OrtExecutor | ReferenceExecutor, model: CausalLM): Promise<Float32Array> {
  const [out] = await exec.compile([model.call(Tensor.input('ids', [1, 6], 'i64')).logits]).run({ ids: IDS });
  return out!.toFloat32();
}

describe('bitsandbytes 4-bit serialization', () => {
  for (const [quantType, doubleQuant] of [['nf4', true], ['fp4', false]] as const) {
    it(`round-trips ${quantType}${doubleQuant ? ' + double quant' : ''} with identical logits`, async () => {
      const model = tiny();
      const dir = await mkdtemp(join(tmpdir(), 'bnb4-'));
      await saveQuantizedModel(model, dir, { quantType, doubleQuant, blocksize: 64 });
      const { model: back, quantized } = await loadQuantizedModel(dir);
      expect(quantized).toHaveLength(7);
      expect(back.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear4bit);
      for (const exec of [ref, ort]) expect(await logits(exec, back)).toEqual(await logits(exec, model));
    });
  }

  it('writes the keys, dtypes, shapes and quant_state JSON of QuantState.as_dict(packed=True)', async () => {
    const model = tiny();
    quantizeModel(model, { quantType: 'nf4', blocksize: 64, doubleQuant: true });
    const dir = await mkdtemp(join(tmpdir(), 'bnb4-'));
    await saveQuantizedModel(model, dir);
    const t = await readSafetensors(join(dir, 'model.safetensors'));
    const w = 'model.layers.0.mlp.up_proj.weight'; // [128, 64]: 8192 values, 128 blocks of 64
    const spec = (k: string) => [t.get(k)?.dtype, t.get(k)?.shape];
    // bitsandbytes/utils.py (QuantState.as_dict, packed=True) + nn/modules.py (Linear4bit._save_to_state_dict):
    // tensors stay as `weight.<k>`, the non-tensor fields go to `weight.quant_state.bitsandbytes__<type>`.
    expect(spec(w)).toEqual(['u8', [4096, 1]]);
    expect(spec(`${w}.absmax`)).toEqual(['u8', [128]]);
    expect(spec(`${w}.quant_map`)).toEqual(['f32', [16]]);
    expect(spec(`${w}.nested_absmax`)).toEqual(['f32', [1]]);
    expect(spec(`${w}.nested_quant_map`)).toEqual(['f32', [256]]);
    expect(t.get(`${w}.quant_map`)!.data).toEqual(codeTable4bit('nf4'));
    const qs = t.get(`${w}.quant_state.bitsandbytes__nf4`)!;
    expect(qs.dtype).toBe('u8');
    const text = new TextDecoder().decode(qs.data as Uint8Array);
    const json = JSON.parse(text) as Record<string, unknown>;
    // Insertion order of as_dict's non-tensor fields, json.dumps default separators.
    expect(Object.keys(json)).toEqual(['quant_type', 'blocksize', 'dtype', 'shape', 'nested_blocksize', 'nested_dtype', 'nested_offset']);
    expect(json).toMatchObject({ quant_type: 'nf4', blocksize: 64, dtype: 'float32', shape: [128, 64], nested_blocksize: 256, nested_dtype: 'float32' });
    expect(text.startsWith('{"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [128, 64], "nested_blocksize": 256')).toBe(true);
    const layer = model.getModule('model.layers.0.mlp.up_proj') as Linear4bit;
    expect(Math.fround(json.nested_offset as number)).toBe(layer.quantState.offset);
    expect(spec('lm_head.weight')[0]).toBe('f32');
    expect(t.has('model.embed_tokens.weight')).toBe(true);
    expect([...t.keys()].some((k) => k.startsWith('lm_head.weight.'))).toBe(false);
    expect(quantizedStateDict(model).size).toBe(t.size);

    // transformers BitsAndBytesConfig.to_dict() (utils/quantization_config.py)
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { quantization_config: Record<string, unknown> };
    expect(config.quantization_config).toEqual({
      quant_method: 'bitsandbytes', _load_in_8bit: false, _load_in_4bit: true, llm_int8_threshold: 6,
      llm_int8_skip_modules: ['lm_head'], llm_int8_enable_fp32_cpu_offload: false, llm_int8_has_fp16_weight: false,
      bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true, bnb_4bit_compute_dtype: 'float32',
      bnb_4bit_quant_storage: 'uint8', load_in_4bit: true, load_in_8bit: false,
    });
  });

  it('names the file and tensor for a missing piece or a mismatched quant_state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bnb4-'));
    await saveQuantizedModel(tiny(), dir, { quantType: 'nf4', doubleQuant: true });
    const path = join(dir, 'model.safetensors');
    const original = await readSafetensors(path);
    const w = 'model.layers.0.self_attn.k_proj.weight';

    const missing = new Map(original);
    missing.delete(`${w}.nested_absmax`);
    await writeSafetensors(path, missing, { format: 'pt' });
    await expect(loadQuantizedModel(dir)).rejects.toThrow(`${path} (${w}.nested_absmax): missing tensor`);

    const wrong = new Map(original);
    const json = new TextEncoder().encode('{"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [64, 32]}');
    wrong.set(`${w}.quant_state.bitsandbytes__nf4`, new HostTensor('u8', [json.length], json));
    await writeSafetensors(path, wrong, { format: 'pt' });
    const err = await loadQuantizedModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Bnb4bitFormatError);
    expect((err as Error).message).toContain(`${path} (${w}.quant_state.bitsandbytes__nf4): quant_state shape [64,32] does not match`);
  });
});
