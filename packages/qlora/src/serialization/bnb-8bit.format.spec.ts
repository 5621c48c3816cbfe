import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor, OrtExecutor, ReferenceExecutor, Tensor, readSafetensors, writeSafetensors } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear8bit } from '../int8/linear-8bit.js';
import { quantizeModel8bit } from '../int8/quantize-model-8bit.js';
import { Bnb8bitFormatError, int8StateDict, loadInt8Model, saveInt8Model } from './bnb-8bit.format.js';

const ort = new OrtExecutor();
const ref = new ReferenceExecutor();
afterAll(() => ort.dispose());
const IDS = HostTensor.i64([1, 6], [5, 9, 2, 77, 120, 8]);
const llama = () => createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 1, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 3 });
const gpt2 = () => createModel(parseModelConfig(tinyConfigJson({ arch: 'gpt2', hidden: 32, intermediate: 64, layers: 1, heads: 4, vocab: 300 })), { seed: 3 });

async function logits(exec: OrtExecutor | ReferenceExecutor, model: CausalLM): Promise<Float32Array> {
  const [out] = await exec.compile([model.call(Tensor.input('ids', [1, 6], 'i64')).logits]).run({ ids: IDS });
  return out!.toFloat32();
}

async function savedDir(model: CausalLM = llama()): Promise<{ dir: string; path: string; tensors: Map<string, HostTensor> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bnb8-'));
  await saveInt8Model(model, dir);
  const path = join(dir, 'model.safetensors');
  return { dir, path, tensors: await readSafetensors(path) };
}

async function loadError(dir: string): Promise<Error> {
  const err = await loadInt8Model(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Bnb8bitFormatError);
  return err as Error;
}

describe('bitsandbytes 8-bit serialization', () => {
  for (const [arch, make, n] of [['llama', llama, 7], ['gpt2 (Conv1D)', gpt2, 4]] as const) {
    it(`round-trips a ${arch} model exactly: same codes, scales and logits`, async () => {
      const model = make();
      const { dir } = await savedDir(model);
      const { model: back, quantized, quantizationConfig } = await loadInt8Model(dir);
      expect(quantized).toHaveLength(n);
      expect(quantizationConfig.load_in_8bit).toBe(true);
      for (const path of quantized) {
        const [a, b] = [model.getModule(path), back.getModule(path)] as Linear8bit[];
        expect(b).toBeInstanceOf(Linear8bit);
        expect(b!.weight.value.data).toEqual(a!.weight.value.data);
        expect(b!.SCB.value.data).toEqual(a!.SCB.value.data);
        expect(b!.threshold).toBe(6);
      }
      for (const exec of [ref, ort]) expect(await logits(exec, back)).toEqual(await logits(exec, model));
    });
  }

  it('writes the keys, dtypes and shapes of Linear8bitLt._save_to_state_dict and an 8-bit quantization_config', async () => {
    const model = llama();
    quantizeModel8bit(model, { threshold: 4 });
    const { dir, tensors: t } = await savedDir(model);
    const w = 'model.layers.0.mlp.up_proj'; // [128, 64]
    const spec = (k: string) => [t.get(k)?.dtype, t.get(k)?.shape];
    expect(spec(`${w}.weight`)).toEqual(['i8', [128, 64]]);
    expect(spec(`${w}.SCB`)).toEqual(['f32', [128]]);
    expect(spec(`${w}.weight_format`)).toEqual(['u8', []]);
    expect(t.get(`${w}.weight_format`)!.data[0]).toBe(0);
    expect(t.get(`${w}.weight`)!.data).toEqual((model.getModule(w) as Linear8bit).weight.value.data);
    expect(spec('lm_head.weight')).toEqual(['f32', [300, 64]]);
    expect(t.has('lm_head.SCB')).toBe(false);
    expect(t.has('model.embed_tokens.weight')).toBe(true);
    expect(int8StateDict(model).size).toBe(t.size);
    expect([...t.keys()].filter((k) => k.endsWith('.SCB'))).toHaveLength(7);

    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.torch_dtype).toBe('float32');
    // transformers BitsAndBytesConfig(load_in_8bit=True, llm_int8_threshold=4.0, llm_int8_skip_modules=["lm_head"]).to_dict()
    expect(config.quantization_config).toEqual({
      quant_method: 'bitsandbytes', _load_in_8bit: true, _load_in_4bit: false, llm_int8_threshold: 4,
      llm_int8_skip_modules: ['lm_head'], llm_int8_enable_fp32_cpu_offload: false, llm_int8_has_fp16_weight: false,
      bnb_4bit_quant_type: 'fp4', bnb_4bit_use_double_quant: false, bnb_4bit_compute_dtype: 'float32',
      bnb_4bit_quant_storage: 'uint8', load_in_4bit: false, load_in_8bit: true,
    });
    const { model: back } = await loadInt8Model(dir);
    expect((back.getModule(w) as Linear8bit).threshold).toBe(4);
  });

  it('loads a file without weight_format (bitsandbytes then assumes row-major)', async () => {
    const { dir, path, tensors } = await savedDir();
    for (const k of [...tensors.keys()]) if (k.endsWith('.weight_format')) tensors.delete(k);
    await writeSafetensors(path, tensors, { format: 'pt' });
    expect((await loadInt8Model(dir)).quantized).toHaveLength(7);
  });

  const p = 'model.layers.0.self_attn.k_proj'; // [32, 64]
  const corruptions: [string, (t: Map<string, HostTensor>) => void, (path: string) => string][] = [
    ['a missing SCB', (t) => t.delete(`${p}.SCB`), (f) => `${f} (${p}.SCB): missing tensor: the int8 weight ${p}.weight needs its SCB row scales`],
    ['a float weight beside an SCB', (t) => t.set(`${p}.weight`, HostTensor.f32([32, 64])), (f) => `${f} (${p}.weight): expected dtype i8, found f32`],
    ['an SCB of the wrong shape', (t) => t.set(`${p}.SCB`, HostTensor.f32([64])), (f) => `${f} (${p}.SCB): expected shape [32], found [64]`],
    ['a negative row scale', (t) => t.set(`${p}.SCB`, HostTensor.f32([32], Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? -1 : 1)))), (f) => `${f} (${p}.SCB): row 5 has scale -1`],
    ['a tiled weight format', (t) => t.set(`${p}.weight_format`, new HostTensor('u8', [], Uint8Array.of(1))), (f) => `${f} (${p}.weight_format): weight format 1 ("col32", a tiled GPU layout) is not supported`],
    ['a float weight format', (t) => t.set(`${p}.weight_format`, HostTensor.f32([], [0])), (f) => `${f} (${p}.weight_format): expected an integer scalar, found f32 []`],
    ['an SCB for a module that is not linear', (t) => t.set('model.norm.SCB', HostTensor.f32([64])), (f) => `${f} (model.norm.SCB): model has no Linear at "model.norm"`],
    ['a missing plain weight', (t) => t.delete('model.norm.weight'), (f) => `${f} (model.norm.weight): missing tensor`],
    ['an extra tensor', (t) => t.set('model.extra', HostTensor.f32([1])), (f) => `${f} (model.extra): unexpected tensor`],
  ];
  for (const [what, corrupt, message] of corruptions) {
    it(`rejects ${what}, naming the file and the tensor`, async () => {
      const { dir, path, tensors } = await savedDir();
      corrupt(tensors);
      await writeSafetensors(path, tensors, { format: 'pt' });
      expect((await loadError(dir)).message).toContain(message(path));
    });
  }

  it('rejects a config.json without an 8-bit quantization_config', async () => {
    const { dir } = await savedDir();
    const configPath = join(dir, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    const rewrite = (qc: unknown) => writeFile(configPath, JSON.stringify({ ...config, quantization_config: qc }));

    await rewrite(undefined);
    expect((await loadError(dir)).message).toBe(`${configPath}: a quantization_config object with load_in_8bit true is required`);
    await rewrite({ ...config.quantization_config, load_in_8bit: false, _load_in_8bit: false, load_in_4bit: true, _load_in_4bit: true });
    expect((await loadError(dir)).message).toBe(`${configPath}: quantization_config is 4-bit (load_in_4bit); load it with loadQuantizedModel`);
    await rewrite({ ...config.quantization_config, load_in_8bit: 'yes' });
    expect((await loadError(dir)).message).toContain(`${configPath}: quantization_config: load_in_8bit: expected true or false, got "yes"`);
  });
});
