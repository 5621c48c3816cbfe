import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTensor, SafetensorsFile, fromFloat32, readSafetensors, writeSafetensors } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from '../peft/adapter-files.js';
import { logits, maxAbsDiff, randomize } from '../testing/lora.test-support.js';
import { parseIa3Config } from './ia3.config.js';
import { ia3Key, loadIa3Adapter, saveIa3Adapter } from './ia3.io.js';
import { Ia3Layer } from './ia3.layer.js';
import { Ia3Model } from './ia3.model.js';

let root: string;
const checkpoints: Record<'llama' | 'gpt2', string> = { llama: '', gpt2: '' };

/** A fresh copy of a tiny checkpoint, loaded from its folder as a user would. */
async function load(arch: 'llama' | 'gpt2'): Promise<CausalLM> {
  const { model } = await loadModel(checkpoints[arch]);
  return model;
}

const tensorShapes = async (file: string) => {
  const st = await SafetensorsFile.open(file);
  try {
    return Object.fromEntries(st.names().sort().map((n) => [n, st.info(n).shape]));
  } finally {
    await st.close();
  }
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-ia3-'));
  for (const arch of ['llama', 'gpt2'] as const) checkpoints[arch] = (await createTinyModel({ arch, dir: join(root, arch), seed: 5 })).dir;
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('IA3 adapter files', () => {
  it("saves PEFT's exact layout (keys, shapes, config) and loads it back to the same logits", async () => {
    const model = await load('llama');
    const a = Ia3Model.inject(model, parseIa3Config({}));
    randomize(model, (n) => n.includes('ia3_l'), 9, 0.8);
    const adapted = await logits(model);
    const dir = join(root, 'llama-ia3');
    await saveIa3Adapter(a, dir, { baseModel: 'org/base' });
    expect((await readdir(dir)).sort()).toEqual([ADAPTER_CONFIG, ADAPTER_WEIGHTS]);

    expect(JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'))).toEqual({
      auto_mapping: null,
      base_model_name_or_path: 'org/base',
      exclude_modules: null,
      fan_in_fan_out: false,
      feedforward_modules: ['down_proj'],
      inference_mode: true,
      init_ia3_weights: true,
      modules_to_save: null,
      peft_type: 'IA3',
      revision: null,
      target_modules: ['k_proj', 'v_proj', 'down_proj'],
      task_type: 'CAUSAL_LM',
    });
    // The tiny llama: hidden 64, 2 kv heads of 16 (k/v out 32), intermediate 128.
    expect(await tensorShapes(join(dir, ADAPTER_WEIGHTS))).toEqual({
      'base_model.model.model.layers.0.mlp.down_proj.ia3_l': [1, 128],
      'base_model.model.model.layers.0.self_attn.k_proj.ia3_l': [32, 1],
      'base_model.model.model.layers.0.self_attn.v_proj.ia3_l': [32, 1],
      'base_model.model.model.layers.1.mlp.down_proj.ia3_l': [1, 128],
      'base_model.model.model.layers.1.self_attn.k_proj.ia3_l': [32, 1],
      'base_model.model.model.layers.1.self_attn.v_proj.ia3_l': [32, 1],
    });
    const st = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS));
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.info('base_model.model.model.layers.0.mlp.down_proj.ia3_l').dtype).toBe('f32');
    await st.close();

    const fresh = await load('llama');
    const loaded = await loadIa3Adapter(fresh, dir, { trainable: false });
    expect(await logits(fresh)).toEqual(adapted);
    expect(fresh.trainableParameters()).toHaveLength(0);
    expect(loaded.config.base_model_name_or_path).toBe('org/base');
  });

  it('round-trips GPT-2 (Conv1D: fan_in_fan_out true) with modules_to_save under the module\'s own name', async () => {
    const model = await load('gpt2');
    const a = Ia3Model.inject(model, parseIa3Config({ modules_to_save: ['ln_f'] }));
    randomize(model, (n) => n.includes('ia3_l') || n.includes('modules_to_save'), 4, 0.8);
    const adapted = await logits(model);
    const dir = join(root, 'gpt2-ia3');
    await saveIa3Adapter(a, dir);
    const json = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'));
    expect(json).toMatchObject({ fan_in_fan_out: true, target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'], modules_to_save: ['ln_f'] });
    const shapes = await tensorShapes(join(dir, ADAPTER_WEIGHTS));
    expect(shapes).toMatchObject({
      'base_model.model.transformer.h.0.attn.c_attn.ia3_l': [192, 1],
      'base_model.model.transformer.h.0.mlp.c_proj.ia3_l': [1, 128],
      'base_model.model.transformer.ln_f.weight': [64],
      'base_model.model.transformer.ln_f.bias': [64],
    });
    expect(Object.keys(shapes)).toHaveLength(6);
    const fresh = await load('gpt2');
    await loadIa3Adapter(fresh, dir);
    expect(await logits(fresh)).toEqual(adapted);
  });

  it('loads an adapter as Python PEFT lays it out (set-ordered lists, PEFT-only keys, bf16 vectors)', async () => {
    const dir = join(root, 'peft-written');
    await mkdir(dir);
    await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify({
      auto_mapping: null, base_model_name_or_path: 'org/tiny', exclude_modules: null, fan_in_fan_out: false,
      feedforward_modules: ['down_proj'], inference_mode: true, init_ia3_weights: true, modules_to_save: null,
      peft_type: 'IA3', peft_version: '0.17.1', revision: null, target_modules: ['v_proj', 'down_proj', 'k_proj'], task_type: 'CAUSAL_LM',
    }));
    const vector = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 1 + 0.25 * Math.sin(seed + i));
    const tensors = new Map<string, HostTensor>();
    for (const l of [0, 1]) {
      tensors.set(`base_model.model.model.layers.${l}.self_attn.k_proj.ia3_l`, new HostTensor('bf16', [32, 1], fromFloat32('bf16', vector(32, l))));
      tensors.set(`base_model.model.model.layers.${l}.self_attn.v_proj.ia3_l`, HostTensor.f32([32, 1], vector(32, 10 + l)));
      tensors.set(`base_model.model.model.layers.${l}.mlp.down_proj.ia3_l`, HostTensor.f32([1, 128], vector(128, 20 + l)));
    }
    await writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' });
    const model = await load('llama');
    const a = await loadIa3Adapter(model, dir);
    expect(a.layers().map(([n]) => n.split('.').slice(-2).join('.'))).toEqual(['self_attn.k_proj', 'self_attn.v_proj', 'mlp.down_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'mlp.down_proj']);
    const down = model.getModule('model.layers.1.mlp.down_proj') as Ia3Layer;
    expect(down.isFeedforward).toBe(true);
    expect(maxAbsDiff(down.ia3_l.get('default')!.value.toFloat32(), vector(128, 21))).toBeLessThan(1e-6);
    const k = model.getModule('model.layers.0.self_attn.k_proj') as Ia3Layer;
    expect(maxAbsDiff(k.ia3_l.get('default')!.value.toFloat32(), vector(32, 0))).toBeLessThan(1e-2);
  });

  it('names the file and tensor when an adapter does not fit, and gives the model its layers back', async () => {
    const model = await load('llama');
    const a = Ia3Model.inject(model, parseIa3Config({ target_modules: ['k_proj', 'down_proj'], feedforward_modules: ['down_proj'] }));
    const dir = join(root, 'misfit');
    await saveIa3Adapter(a, dir);
    const file = join(dir, ADAPTER_WEIGHTS);
    const original = await readSafetensors(file);
    expect(original.size).toBe(4);

    const write = (m: Map<string, HostTensor>) => writeSafetensors(file, m, { format: 'pt' });
    const expectFailure = async (message: string | RegExp) => {
      const fresh = await load('llama');
      const names = fresh.namedParameters().map(([n]) => n);
      await expect(loadIa3Adapter(fresh, dir)).rejects.toThrow(message);
      expect(fresh.namedParameters().map(([n]) => n)).toEqual(names);
    };

    const wrongShape = new Map(original);
    wrongShape.set('base_model.model.model.layers.0.mlp.down_proj.ia3_l', HostTensor.f32([128, 1], new Float32Array(128).fill(1)));
    await write(wrongShape);
    await expectFailure(`${file}: tensor "base_model.model.model.layers.0.mlp.down_proj.ia3_l" has shape [128, 1], the model expects [1, 128]`);

    const extra = new Map(original);
    extra.set('base_model.model.model.layers.0.self_attn.q_proj.ia3_l', HostTensor.f32([64, 1], new Float32Array(64).fill(1)));
    await write(extra);
    await expectFailure(`${file}: tensor "base_model.model.model.layers.0.self_attn.q_proj.ia3_l" matches no parameter of the adapted model`);

    const missing = new Map(original);
    missing.delete('base_model.model.model.layers.1.self_attn.k_proj.ia3_l');
    await write(missing);
    await expectFailure(`${file}: missing adapter tensors base_model.model.model.layers.1.self_attn.k_proj.ia3_l`);

    await write(original);
    await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify({ peft_type: 'IA3', target_modules: ['k_proj'], feedforward_modules: ['down_proj'] }));
    await expectFailure(`${join(dir, ADAPTER_CONFIG)}: ia3 config: feedforward_modules: "down_proj" is not in target_modules`);
  });

  it('maps live names to saved keys as PEFT does', () => {
    expect(ia3Key('model.layers.3.self_attn.k_proj.ia3_l.default', 'default')).toBe('base_model.model.model.layers.3.self_attn.k_proj.ia3_l');
    expect(ia3Key('transformer.h.0.mlp.c_proj.ia3_l.other', 'other')).toBe('base_model.model.transformer.h.0.mlp.c_proj.ia3_l');
    expect(ia3Key('lm_head.modules_to_save.default.weight', 'default')).toBe('base_model.model.lm_head.weight');
  });
});
