import { describe, expect, it } from 'vitest';
import { OrtExecutor, ReferenceExecutor, Tensor, TrainStep, AdamW, HostTensor } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { IDS, logits, maxAbsDiff, randomize, tinyModel } from '../testing/lora.test-support.js';
import { parseLoraConfig } from './lora.config.js';
import { LoraLayer } from './lora.layer.js';
import { LoraModel } from './lora.model.js';
import { truncatedSvd } from './lora.pissa.js';
import { Rng } from '@tunekit/core';

const lora = (raw: Record<string, unknown> = {}) => parseLoraConfig(raw);

describe('LoRA injection', () => {
  it("targets the architecture's default modules and names parameters as PEFT does", () => {
    const model = tinyModel('llama');
    const l = LoraModel.inject(model, lora({ r: 4 }));
    expect(l.layers().map(([n]) => n)).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.1.self_attn.q_proj',
      'model.layers.1.self_attn.v_proj',
    ]);
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}]`);
    expect(trainable).toContain('model.layers.0.self_attn.q_proj.lora_A.default.weight [4,32]');
    expect(trainable).toContain('model.layers.0.self_attn.v_proj.lora_B.default.weight [16,4]');
    expect(trainable).toHaveLength(8);
    expect(model.getModule('model.layers.0.self_attn.q_proj.base_layer')).toBeDefined();
    // Parameters carry their new paths (optimizer checkpoints are keyed by them).
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);
  });

  it('supports all-linear (never the LM head), a regex, exclude_modules and layers_to_transform', () => {
    const names = (raw: Record<string, unknown>, arch: 'llama' | 'gpt2' = 'llama') => LoraModel.inject(tinyModel(arch), lora(raw)).layers().map(([n]) => n);
    const all = names({ target_modules: 'all-linear' });
    expect(all).toHaveLength(14);
    expect(all.some((n) => n.includes('lm_head'))).toBe(false);
    expect(names({ target_modules: '.*\\.mlp\\.(up|down)_proj' })).toEqual(['model.layers.0.mlp.up_proj', 'model.layers.0.mlp.down_proj', 'model.layers.1.mlp.up_proj', 'model.layers.1.mlp.down_proj']);
    expect(names({ target_modules: 'all-linear', exclude_modules: ['o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] })).toHaveLength(6);
    expect(names({ target_modules: ['q_proj'], layers_to_transform: [1] })).toEqual(['model.layers.1.self_attn.q_proj']);
    expect(names({ target_modules: ['c_attn', 'c_proj'] }, 'gpt2')).toHaveLength(6);
    expect(() => names({ target_modules: ['nope'] })).toThrow('matched no module');
    expect(() => names({ target_modules: ['input_layernorm'] })).toThrow('only Linear, Conv1D and layers exposing their weight');
  });

  it("prints trainable parameters in PEFT's format (SmolLM2-135M, r=16 on q_proj and v_proj)", () => {
    const config = parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' }));
    const model = createModel(config, { dtype: 'bf16' });
    const l = LoraModel.inject(model, lora({ r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] }));
    expect(l.trainableParametersLine()).toBe('trainable params: 921,600 || all params: 135,436,608 || trainable%: 0.6805');
  });
});

describe('LoRA forward, initialisation and variants', () => {
  for (const [init, extra] of [[true, {}], ['gaussian', {}], ['pissa', {}], [true, { use_dora: true }], [true, { use_rslora: true }]] as const) {
    it(`starts as the base model (init_lora_weights=${init} ${JSON.stringify(extra)})`, async () => {
      const model = tinyModel('llama');
      const base = await logits(model);
      LoraModel.inject(model, lora({ r: 4, lora_alpha: 8, init_lora_weights: init, target_modules: 'all-linear', ...extra }));
      expect(maxAbsDiff(await logits(model), base)).toBeLessThan(2e-5);
    });
  }

  it('changes the output once B is trained, and disableAdapter() traces the base model', async () => {
    const model = tinyModel('gpt2');
    const base = await logits(model);
    const l = LoraModel.inject(model, lora({ r: 4, target_modules: ['c_attn', 'c_fc'] }));
    randomize(model, (n) => n.includes('lora_B'));
    expect(maxAbsDiff(await logits(model), base)).toBeGreaterThan(1e-3);
    const disabled = await l.disableAdapter(() => logits(model));
    expect(maxAbsDiff(disabled, base)).toBe(0);
  });

  for (const variant of [{}, { use_dora: true }]) {
    for (const arch of ['llama', 'gpt2'] as const) {
      it(`merges into the base weight and unmerges back (${arch} ${JSON.stringify(variant)})`, async () => {
        const model = tinyModel(arch);
        const l = LoraModel.inject(model, lora({ r: 4, lora_alpha: 16, target_modules: 'all-linear', ...variant }));
        randomize(model, (n) => n.includes('lora_B') || n.includes('lora_magnitude'), 3, 0.2);
        const before = model.namedParameters().filter(([n]) => n.endsWith('base_layer.weight')).map(([, p]) => Float32Array.from(p.value.toFloat32()));
        const adapted = await logits(model);
        l.merge();
        expect(maxAbsDiff(await logits(model), adapted)).toBeLessThan(1e-4);
        l.unmerge();
        const after = model.namedParameters().filter(([n]) => n.endsWith('base_layer.weight')).map(([, p]) => p.value.toFloat32());
        before.forEach((w, i) => expect(maxAbsDiff(after[i], w)).toBeLessThan(1e-6));
        const plain = l.mergeAndUnload();
        expect(plain.namedParameters().some(([n]) => n.includes('lora'))).toBe(false);
        expect(maxAbsDiff(await logits(model), adapted)).toBeLessThan(1e-4);
      });
    }
  }

  it('withMerged runs fn on the merged model (computed by ORT or the reference), then puts back the very base weight arrays (LoRA and DoRA, Linear and Conv1D)', async () => {
    const ort = new OrtExecutor({ threads: 1 });
    const cases = [[{}, 'llama', ort], [{ use_dora: true }, 'llama', new ReferenceExecutor()], [{}, 'gpt2', ort], [{ use_dora: true }, 'gpt2', ort]] as const;
    for (const [variant, arch, executor] of cases) {
      const model = tinyModel(arch);
      const l = LoraModel.inject(model, lora({ r: 4, lora_alpha: 16, target_modules: 'all-linear', ...variant }));
      randomize(model, (n) => n.includes('lora_B') || n.includes('lora_magnitude'), 3, 0.2);
      const bases = model.namedParameters().filter(([n]) => n.endsWith('base_layer.weight')).map(([, p]) => p);
      const before = bases.map((p) => ({ value: p.value, bits: Float32Array.from(p.value.toFloat32()) }));
      const adapted = await logits(model);
      const plain = await l.disableAdapter(() => logits(model));
      const merged = await l.withMerged(executor, async () => {
        expect(l.layers().every(([, layer]) => layer.merged.length === 1)).toBe(true);
        return logits(model);
      });
      expect(maxAbsDiff(merged, adapted)).toBeLessThan(1e-4);
      // The adapter is in the merged weights, not dropped.
      expect(maxAbsDiff(merged, plain)).toBeGreaterThan(1e-2);
      bases.forEach((p, i) => {
        expect(p.value).toBe(before[i].value);
        expect(p.value.toFloat32()).toEqual(before[i].bits);
      });
      expect(l.layers().every(([, layer]) => layer.merged.length === 0)).toBe(true);
      expect(maxAbsDiff(await logits(model), adapted)).toBe(0);
    }
    await ort.dispose();
  });

  it('withMerged keeps a 16-bit base unmerged (its rounding would swallow the update) and restores the weights when fn throws', async () => {
    const bf16 = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })), { dtype: 'bf16' }).nameParameters();
    const l16 = LoraModel.inject(bf16, lora({ r: 4, target_modules: 'all-linear' }));
    await l16.withMerged(new ReferenceExecutor(), async () => expect(l16.layers().every(([, layer]) => layer.merged.length === 0)).toBe(true));

    const model = tinyModel('llama');
    const l = LoraModel.inject(model, lora({ r: 4, target_modules: 'all-linear' }));
    randomize(model, (n) => n.includes('lora_B'), 3, 0.2);
    const bases = model.namedParameters().filter(([n]) => n.endsWith('base_layer.weight')).map(([, p]) => [p, p.value] as const);
    await expect(l.withMerged(new ReferenceExecutor(), async () => Promise.reject(new Error('sampling failed')))).rejects.toThrow('sampling failed');
    expect(bases.every(([p, value]) => p.value === value)).toBe(true);
    expect(l.layers().every(([, layer]) => layer.merged.length === 0)).toBe(true);
  });

  it('keeps several named adapters and switches between them', async () => {
    const model = tinyModel('llama');
    const l = LoraModel.inject(model, lora({ r: 2 }));
    l.addAdapter('other', lora({ r: 3, target_modules: ['o_proj'] }), 5);
    randomize(model, (n) => n.includes('lora_B'));
    const first = await logits(model);
    l.setAdapter('other');
    expect(model.trainableParameters().every((p) => p.shape.includes(3))).toBe(true);
    const second = await logits(model);
    expect(maxAbsDiff(first, second)).toBeGreaterThan(1e-3);
    l.setAdapter('default');
    expect(maxAbsDiff(await logits(model), first)).toBe(0);
    expect(() => l.setAdapter('missing')).toThrow('no adapter "missing"');
  });

  it('trains only the adapter: gradients reach lora_A/lora_B and the loss falls', async () => {
    const model = tinyModel('llama');
    LoraModel.inject(model, lora({ r: 8, lora_alpha: 16, target_modules: 'all-linear' }));
    const params = model.trainableParameters();
    const ort = new OrtExecutor();
    const step = new TrainStep(ort, params);
    const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
    const losses: number[] = [];
    for (let s = 0; s < 25; s++) {
      const { loss } = await step.run(() => {
        const ids = Tensor.input('ids', [2, 5], 'i64');
        return model.loss(ids, ids);
      }, { ids: IDS });
      losses.push(loss);
      opt.step();
      opt.zeroGrad();
    }
    await ort.dispose();
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    expect(model.namedParameters().filter(([, p]) => p.requiresGrad).every(([n]) => n.includes('.lora_'))).toBe(true);
  });

  it('trains bias too when bias="all", and modules_to_save as full copies', () => {
    const model = tinyModel('qwen2');
    LoraModel.inject(model, lora({ bias: 'all', modules_to_save: ['lm_head'] }));
    const names = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(names).toContain('model.layers.0.self_attn.q_proj.base_layer.bias');
    expect(names).toContain('model.layers.0.self_attn.k_proj.bias');
    expect(names.filter((n) => n.includes('modules_to_save'))).toEqual(['lm_head.modules_to_save.default.weight']);
  });
});

describe('PiSSA', () => {
  it('truncated SVD recovers the principal singular values of a rank-3 matrix', () => {
    const [m, n] = [12, 9];
    const rng = new Rng(1);
    const u = Float64Array.from({ length: m * 3 }, () => rng.normal());
    const v = Float64Array.from({ length: 3 * n }, () => rng.normal());
    const w = new Float64Array(m * n);
    const sig = [5, 2, 0.5];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < 3; k++) w[i * n + j] += u[i * 3 + k] * sig[k] * v[k * n + j];
    const { u: uu, s, vt } = truncatedSvd(w, m, n, 3, 8, new Rng(2));
    const rebuilt = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let k = 0; k < 3; k++) rebuilt[i * n + j] += uu[i * 3 + k] * s[k] * vt[k * n + j];
    expect(maxAbsDiff(rebuilt, w)).toBeLessThan(1e-9);
    expect(s[0]).toBeGreaterThan(s[1]);
    expect(s[1]).toBeGreaterThan(s[2]);
  });

  it('moves the principal part of W into the adapter and leaves the residual in the base', () => {
    const model = tinyModel('llama');
    const q = () => model.getModule('model.layers.0.self_attn.q_proj') as LoraLayer;
    const w0 = Float64Array.from((model.getModule('model.layers.0.self_attn.q_proj') as unknown as { weight: { value: HostTensor } }).weight.value.toFloat32());
    LoraModel.inject(model, lora({ r: 4, lora_alpha: 4, init_lora_weights: 'pissa', target_modules: ['q_proj'] }));
    const layer = q();
    const residual = layer.baseWeightOutIn();
    const delta = layer.deltaOutIn('default');
    expect(maxAbsDiff(residual.map((v, i) => v + delta[i]), w0)).toBeLessThan(1e-6);
    // The adapter holds the largest directions: its Frobenius norm exceeds a random rank-4 share.
    const frob = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    expect(frob(delta) / frob(w0)).toBeGreaterThan(Math.sqrt(4 / 32));
  });
});

describe('executors agree on adapted models', () => {
  it('ORT and reference give the same adapted logits (DoRA, dropout off)', async () => {
    const model = tinyModel('llama');
    LoraModel.inject(model, lora({ r: 4, use_dora: true, target_modules: 'all-linear' }));
    randomize(model, (n) => n.includes('lora_B'), 4, 0.2);
    const out = model.call(Tensor.input('ids', [2, 5], 'i64')).logits;
    const ort = new OrtExecutor();
    const [a] = await ort.compile([out]).run({ ids: IDS });
    const [b] = await new ReferenceExecutor().compile([out]).run({ ids: IDS });
    await ort.dispose();
    expect(maxAbsDiff(a.toFloat32(), b.toFloat32())).toBeLessThan(1e-4);
  });
});
