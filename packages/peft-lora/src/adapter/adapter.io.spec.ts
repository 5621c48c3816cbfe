import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTensor, SafetensorsFile, readSafetensors, writeSafetensors } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from '../peft/adapter-files.js';
import { TUNEKIT_VERSION } from '../peft/tunekit-version.js';
import { logits, randomize } from '../testing/lora.test-support.js';
import { parseBottleneckConfig } from './adapter.config.js';
import { bottleneckKey, loadBottleneckAdapter, saveBottleneckAdapter } from './adapter.io.js';
import { BottleneckModel } from './adapter.model.js';

let root: string;
const checkpoints: Record<'llama' | 'gpt2', string> = { llama: '', gpt2: '' };

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
  root = await mkdtemp(join(tmpdir(), 'tunekit-adapter-'));
  for (const arch of ['llama', 'gpt2'] as const) checkpoints[arch] = (await createTinyModel({ arch, dir: join(root, arch), seed: 2 })).dir;
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('bottleneck adapter files', () => {
  it('writes the documented format and loads it back to the same logits', async () => {
    const model = await load('llama');
    const a = BottleneckModel.inject(model, parseBottleneckConfig({ config: 'houlsby', reduction_factor: 8, layer_norm: true, non_linearity: 'gelu', layers_to_transform: [1] }));
    randomize(model, (n) => n.includes('.adapter_'), 3, 0.4);
    const adapted = await logits(model);
    const dir = join(root, 'houlsby');
    await saveBottleneckAdapter(a, dir, { baseModel: checkpoints.llama });
    expect((await readdir(dir)).sort()).toEqual([ADAPTER_CONFIG, ADAPTER_WEIGHTS]);

    const json = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'));
    expect(json).toEqual({
      base_model_name_or_path: checkpoints.llama,
      bottleneck_size: null,
      config: 'houlsby',
      format_version: 1,
      inference_mode: true,
      layer_norm: true,
      layers_to_transform: [1],
      library: 'tunekit',
      non_linearity: 'gelu',
      peft_type: 'BOTTLENECK_ADAPTER',
      reduction_factor: 8,
      residual: true,
      task_type: 'CAUSAL_LM',
      tunekit_version: TUNEKIT_VERSION,
    });
    expect(TUNEKIT_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());
    // hidden 64 / 8 = 8
    const sublayer = (p: string) => ({
      [`base_model.model.${p}.adapter_down.bias`]: [8],
      [`base_model.model.${p}.adapter_down.weight`]: [8, 64],
      [`base_model.model.${p}.adapter_norm.bias`]: [64],
      [`base_model.model.${p}.adapter_norm.weight`]: [64],
      [`base_model.model.${p}.adapter_up.bias`]: [64],
      [`base_model.model.${p}.adapter_up.weight`]: [64, 8],
    });
    expect(await tensorShapes(join(dir, ADAPTER_WEIGHTS))).toEqual({ ...sublayer('model.layers.1.mlp'), ...sublayer('model.layers.1.self_attn') });
    const st = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS));
    expect(st.metadata).toEqual({ format: 'pt' });
    await st.close();

    const fresh = await load('llama');
    await loadBottleneckAdapter(fresh, dir, { trainable: false });
    expect(await logits(fresh)).toEqual(adapted);
    expect(fresh.trainableParameters()).toHaveLength(0);
  });

  it('round-trips GPT-2 with a fixed bottleneck_size', async () => {
    const model = await load('gpt2');
    const a = BottleneckModel.inject(model, parseBottleneckConfig({ bottleneck_size: 5, non_linearity: 'silu' }));
    randomize(model, (n) => n.includes('.adapter_'), 8, 0.4);
    const adapted = await logits(model);
    const dir = join(root, 'gpt2-adapter');
    await saveBottleneckAdapter(a, dir);
    expect(await tensorShapes(join(dir, ADAPTER_WEIGHTS))).toEqual({
      'base_model.model.transformer.h.0.mlp.adapter_down.bias': [5],
      'base_model.model.transformer.h.0.mlp.adapter_down.weight': [5, 64],
      'base_model.model.transformer.h.0.mlp.adapter_up.bias': [64],
      'base_model.model.transformer.h.0.mlp.adapter_up.weight': [64, 5],
      'base_model.model.transformer.h.1.mlp.adapter_down.bias': [5],
      'base_model.model.transformer.h.1.mlp.adapter_down.weight': [5, 64],
      'base_model.model.transformer.h.1.mlp.adapter_up.bias': [64],
      'base_model.model.transformer.h.1.mlp.adapter_up.weight': [64, 5],
    });
    expect(JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'))).toMatchObject({ config: 'pfeiffer', bottleneck_size: 5, reduction_factor: null, base_model_name_or_path: null });
    const fresh = await load('gpt2');
    await loadBottleneckAdapter(fresh, dir);
    expect(await logits(fresh)).toEqual(adapted);
  });

  it('validates everything it reads, naming the file and the key or tensor, and leaves the model as it was', async () => {
    const model = await load('llama');
    const dir = join(root, 'checked');
    await saveBottleneckAdapter(BottleneckModel.inject(model, parseBottleneckConfig({ bottleneck_size: 4 })), dir);
    const configFile = join(dir, ADAPTER_CONFIG);
    const weightsFile = join(dir, ADAPTER_WEIGHTS);
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    const tensors = await readSafetensors(weightsFile);

    const fails = async (message: string, files: { config?: Record<string, unknown>; tensors?: Map<string, HostTensor> }) => {
      await writeFile(configFile, JSON.stringify(files.config ?? config));
      await writeSafetensors(weightsFile, files.tensors ?? tensors, { format: 'pt' });
      const fresh = await load('llama');
      const names = fresh.namedParameters().map(([n]) => n);
      await expect(loadBottleneckAdapter(fresh, dir)).rejects.toThrow(message);
      expect(fresh.namedParameters().map(([n]) => n)).toEqual(names);
    };
    const without = (key: string) => new Map([...tensors].filter(([k]) => k !== key));

    await fails(`${configFile}: adapter config: format_version: expected 1 (this TuneKit reads version 1), got 2`, { config: { ...config, format_version: 2 } });
    await fails(`${configFile}: adapter config: unknown option "reduction_factr" (did you mean "reduction_factor"?)`, { config: { ...config, reduction_factr: 4 } });
    await fails(`${configFile}: adapter config: bottleneck_size: give reduction_factor or bottleneck_size, not both (got 16 and 4)`, { config: { ...config, reduction_factor: 16 } });
    await fails(`${configFile}: adapter config: bottleneck_size: the file gives neither reduction_factor nor bottleneck_size`, { config: { ...config, bottleneck_size: null } });
    await fails(`${configFile}: adapter config: non_linearity: expected relu|gelu|silu, got "tanh"`, { config: { ...config, non_linearity: 'tanh' } });
    await fails(`${configFile}: adapter: layers_to_transform names layer 7, but the model has 2 (0-1)`, { config: { ...config, layers_to_transform: [7] } });
    await fails(`${weightsFile}: tensor "base_model.model.model.layers.0.mlp.adapter_up.weight" has shape [4, 64], the model expects [64, 4]`, {
      tensors: new Map([...tensors, ['base_model.model.model.layers.0.mlp.adapter_up.weight', HostTensor.f32([4, 64], new Float32Array(256))]]),
    });
    await fails(`${weightsFile}: tensor "base_model.model.model.layers.0.mlp.adapter_norm.weight" matches no parameter of the adapted model`, {
      tensors: new Map([...tensors, ['base_model.model.model.layers.0.mlp.adapter_norm.weight', HostTensor.f32([64], new Float32Array(64))]]),
    });
    await fails(`${weightsFile}: missing adapter tensors base_model.model.model.layers.1.mlp.adapter_down.bias`, { tensors: without('base_model.model.model.layers.1.mlp.adapter_down.bias') });
  });

  it('maps live names to saved keys without the adapter name', () => {
    expect(bottleneckKey('model.layers.2.self_attn.adapter_down.default.weight', 'default')).toBe('base_model.model.model.layers.2.self_attn.adapter_down.weight');
    expect(bottleneckKey('transformer.h.0.mlp.adapter_norm.task1.bias', 'task1')).toBe('base_model.model.transformer.h.0.mlp.adapter_norm.bias');
  });
});
