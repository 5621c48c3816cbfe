import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '@tunekit/core';
import { type Conv1D, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { logits, maxAbsDiff, randomize, tinyModel } from '../testing/lora.test-support.js';
import { parseLoraConfig } from './lora.config.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadAdapter, saveAdapter } from './lora.io.js';
import type { LoraLayer } from './lora.layer.js';
import { LoraModel } from './lora.model.js';

const FIXTURE = new URL('../../../../../shared/fixtures/peft-gpt2-lora/', import.meta.url).pathname;
const tmp = () => mkdtemp(join(tmpdir(), 'tunekit-lora-'));

describe('PEFT adapter files', () => {
  it("saves PEFT's exact layout and loads it back to the same outputs", async () => {
    const model = tinyModel('llama', 3);
    const l = LoraModel.inject(model, parseLoraConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'] }));
    randomize(model, (n) => n.includes('lora_'), 9);
    const adapted = await logits(model);
    const dir = join(await tmp(), 'adapter');
    await saveAdapter(l, dir, { baseModel: 'org/base' });
    expect((await readdir(dir)).sort()).toEqual([ADAPTER_CONFIG, ADAPTER_WEIGHTS]);

    const json = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'));
    expect(json).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: 'org/base', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], fan_in_fan_out: false });
    const st = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS));
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.names().sort()).toEqual(
      [0, 1].flatMap((i) =>
        ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((ab) => `base_model.model.model.layers.${i}.self_attn.${m}.lora_${ab}.weight`)),
      ).sort(),
    );
    expect(st.info('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight').shape).toEqual([4, 32]);
    expect(st.info('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight').shape).toEqual([16, 4]);
    await st.close();

    const fresh = tinyModel('llama', 3);
    await loadAdapter(fresh, dir);
    expect(maxAbsDiff(await logits(fresh), adapted)).toBe(0);
  });

  it('saves DoRA magnitudes, biases and modules_to_save under their PEFT keys', async () => {
    const model = tinyModel('qwen2');
    const l = LoraModel.inject(model, parseLoraConfig({ r: 2, use_dora: true, bias: 'lora_only', modules_to_save: ['lm_head'] }));
    randomize(model, (n) => n.includes('lora_') || n.includes('modules_to_save'), 2);
    const adapted = await logits(model);
    const dir = join(await tmp(), 'dora');
    await saveAdapter(l, dir);
    const st = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS));
    const names = st.names();
    await st.close();
    expect(names).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector');
    expect(names).toContain('base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias');
    expect(names).toContain('base_model.model.lm_head.weight');
    const fresh = tinyModel('qwen2');
    await loadAdapter(fresh, dir);
    expect(maxAbsDiff(await logits(fresh), adapted)).toBe(0);
  });

  it('rejects an adapter that does not fit the model, naming file and tensor', async () => {
    const model = tinyModel('llama');
    const l = LoraModel.inject(model, parseLoraConfig({ r: 4 }));
    const dir = join(await tmp(), 'a');
    await saveAdapter(l, dir);
    const other = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 48, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })));
    await expect(loadAdapter(other, dir)).rejects.toThrow(/adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" has shape \[4, 32\], the model expects \[4, 48\]/);
    await writeFile(join(dir, ADAPTER_CONFIG), '{"peft_type": "LORA", "r": "eight"}');
    await expect(loadAdapter(tinyModel('llama'), dir)).rejects.toThrow('adapter_config.json: lora config: r: expected a positive integer, got "eight"');
  });

  it('loads the real adapter Python PEFT saved for GPT-2 (fan_in_fan_out) and merges it exactly', async () => {
    // GPT-2 small's shapes (the adapter's base); random base weights suffice to check the mapping.
    const config = parseModelConfig(tinyConfigJson({ arch: 'gpt2', hidden: 768, heads: 12, layers: 12, vocab: 50257, intermediate: 3072 }));
    const model = createModel(config).nameParameters();
    const l = await loadAdapter(model, FIXTURE);
    expect(l.layers()).toHaveLength(36);
    expect(l.layers().every(([, layer]) => layer.fanInFanOut)).toBe(true);
    expect(l.configs.get('default')).toMatchObject({ r: 8, lora_alpha: 32, target_modules: ['c_attn', 'c_proj'], fan_in_fan_out: true });

    // Merge one layer and check W' - W = (B·A)ᵀ · alpha/r against the raw file, computed here by hand.
    const name = 'transformer.h.3.attn.c_attn';
    const layer = model.getModule(name) as LoraLayer;
    const base = Float64Array.from((layer.base_layer as Conv1D).weight.value.toFloat32());
    const st = await SafetensorsFile.open(join(FIXTURE, ADAPTER_WEIGHTS));
    const A = (await st.read(`base_model.model.${name}.lora_A.weight`)).toFloat32(); // [8, 768]
    const B = (await st.read(`base_model.model.${name}.lora_B.weight`)).toFloat32(); // [2304, 8]
    await st.close();
    l.merge();
    const merged = (layer.base_layer as Conv1D).weight.value.toFloat32(); // [768, 2304], stored [in, out]
    let worst = 0;
    let largest = 0;
    for (const [i, o] of [[0, 0], [5, 100], [767, 2303], [300, 1500], [17, 800]]) {
      let delta = 0;
      for (let k = 0; k < 8; k++) delta += B[o * 8 + k] * A[k * 768 + i];
      largest = Math.max(largest, Math.abs(4 * delta));
      worst = Math.max(worst, Math.abs(merged[i * 2304 + o] - (base[i * 2304 + o] + 4 * delta)));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(largest).toBeGreaterThan(1e-4); // a trained adapter: the check would see a wrong scale or layout
  });
});
