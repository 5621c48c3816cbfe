import { describe, expect, it } from 'vitest';
import { AdamW, F, HostTensor, type Linear, Module, OrtExecutor, Parameter, ReferenceExecutor, Tensor, TrainStep } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import type { CustomBaseLayer } from '../peft/base-weight.js';
import { IDS, logits, maxAbsDiff, randomize, tinyModel } from '../testing/lora.test-support.js';
import { parseIa3Config } from './ia3.config.js';
import { Ia3Layer } from './ia3.layer.js';
import { Ia3Model } from './ia3.model.js';

const ia3 = (raw: Record<string, unknown> = {}) => parseIa3Config(raw);
const trainable = (m: Module) => m.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}]`);
const baseWeights = (m: Module) => m.namedParameters().filter(([n]) => n.includes('base_layer.')).map(([, p]) => Float32Array.from(p.value.toFloat32()));

/** A frozen base that only shows its weight (as QLoRA's 4-bit layer does): trainable around, never merged into. */
class ReadOnlyBase extends Module implements CustomBaseLayer {
  readonly weight: Parameter;
  readonly bias = null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  constructor(linear: Linear) {
    super();
    this.inFeatures = linear.inFeatures;
    this.outFeatures = linear.outFeatures;
    this.weight = this.param('weight', new Parameter(linear.weight.value, false));
  }
  weightOutIn(): Tensor {
    return Tensor.param(this.weight).float();
  }
  hostWeightOutIn(): Float64Array {
    return Float64Array.from(this.weight.value.toFloat32());
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weightOutIn(), null);
  }
}

async function train(model: ReturnType<typeof tinyModel>, steps: number): Promise<number[]> {
  const params = model.trainableParameters();
  const ort = new OrtExecutor();
  const step = new TrainStep(ort, params);
  const opt = new AdamW(params, { lr: 5e-2, weightDecay: 0 });
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { loss } = await step.run(() => {
        const ids = Tensor.input('ids', [2, 5], 'i64');
        return model.loss(ids, ids);
      }, { ids: IDS });
      losses.push(loss);
      opt.step();
      opt.zeroGrad();
    }
  } finally {
    await ort.dispose();
  }
  return losses;
}

describe('(IA)³ injection', () => {
  it("adapts PEFT's default targets with vectors named and shaped as PEFT's (llama)", () => {
    const model = tinyModel('llama');
    const a = Ia3Model.inject(model, ia3());
    expect(a.layers().map(([n, l]) => `${n}${l.isFeedforward ? ' (ff)' : ''}`)).toEqual([
      'model.layers.0.self_attn.k_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.0.mlp.down_proj (ff)',
      'model.layers.1.self_attn.k_proj',
      'model.layers.1.self_attn.v_proj',
      'model.layers.1.mlp.down_proj (ff)',
    ]);
    // Output vectors are [out, 1] (16 = 2 kv heads x 8), input vectors [1, in] (64 = intermediate).
    expect(trainable(model)).toEqual([0, 1].flatMap((i) => [
      `model.layers.${i}.self_attn.k_proj.ia3_l.default [16,1]`,
      `model.layers.${i}.self_attn.v_proj.ia3_l.default [16,1]`,
      `model.layers.${i}.mlp.down_proj.ia3_l.default [1,64]`,
    ]));
    expect(model.getModule('model.layers.0.mlp.down_proj.base_layer')).toBeDefined();
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);
    expect(a.config).toMatchObject({ target_modules: ['k_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'], fan_in_fan_out: false });
  });

  it("takes GPT-2's Conv1D layers (fan_in_fan_out) and only the MLP's c_proj as feed-forward", () => {
    const model = tinyModel('gpt2');
    const a = Ia3Model.inject(model, ia3());
    expect(trainable(model).filter((n) => n.includes('.h.0.'))).toEqual(['transformer.h.0.attn.c_attn.ia3_l.default [96,1]', 'transformer.h.0.mlp.c_proj.ia3_l.default [1,64]']);
    expect(a.config.fan_in_fan_out).toBe(true);
    expect(a.layers().every(([, l]) => l.fanInFanOut)).toBe(true);
  });

  it('supports all-linear (never the LM head), a regex feed-forward spec, exclude_modules, and names what it cannot adapt', () => {
    const names = (raw: Record<string, unknown>) => Ia3Model.inject(tinyModel('llama'), ia3(raw)).layers().map(([n, l]) => (l.isFeedforward ? `${n} (ff)` : n));
    const all = names({ target_modules: 'all-linear', feedforward_modules: '.*mlp\\.down_proj' });
    expect(all).toHaveLength(14);
    expect(all.filter((n) => n.endsWith('(ff)'))).toEqual(['model.layers.0.mlp.down_proj (ff)', 'model.layers.1.mlp.down_proj (ff)']);
    expect(all.some((n) => n.includes('lm_head'))).toBe(false);
    expect(names({ target_modules: ['q_proj', 'o_proj'], feedforward_modules: [], exclude_modules: ['model.layers.1.self_attn.o_proj'] })).toEqual([
      'model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.o_proj', 'model.layers.1.self_attn.q_proj',
    ]);
    expect(() => names({ target_modules: ['nope'], feedforward_modules: [] })).toThrow('ia3: target_modules ["nope"] matched no module of the model');
    expect(() => names({ target_modules: ['input_layernorm'], feedforward_modules: [] })).toThrow('ia3: target "model.layers.0.input_layernorm" is a RMSNorm');
  });

  it("prints trainable parameters in PEFT's format (SmolLM2-135M, default targets)", () => {
    const model = createModel(parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' })), { dtype: 'bf16', empty: true });
    const a = Ia3Model.inject(model, ia3());
    // 30 layers x (k_proj 192 + v_proj 192 + down_proj 1536) on 134,515,008 base parameters.
    expect(a.trainableParametersLine()).toBe('trainable params: 57,600 || all params: 134,572,608 || trainable%: 0.0428');
  });
});

describe('(IA)³ forward, training and merging', () => {
  for (const arch of ['llama', 'gpt2', 'qwen2'] as const) {
    it(`starts as the base model exactly (${arch}), and disableAdapter() traces the base once trained`, async () => {
      const model = tinyModel(arch);
      const base = await logits(model);
      const a = Ia3Model.inject(model, ia3());
      expect(await logits(model)).toEqual(base);
      randomize(model, (n) => n.includes('ia3_l'), 2, 0.5);
      expect(maxAbsDiff(await logits(model), base)).toBeGreaterThan(1e-3);
      expect(await a.disableAdapter(() => logits(model))).toEqual(base);
    });
  }

  it('scales the output of a layer by [out] and the input of a feed-forward layer by [in]', async () => {
    const model = tinyModel('llama');
    const a = Ia3Model.inject(model, ia3({ target_modules: ['v_proj', 'down_proj'], feedforward_modules: ['down_proj'] }));
    const [v, down] = [a.layers()[0][1], a.layers()[1][1]];
    const run = async (out: Tensor, x: HostTensor) => (await new ReferenceExecutor().compile([out]).run({ x }))[0].toFloat32();
    const input = (n: number) => Tensor.input('x', [1, n], 'f32');

    const sDown = Float32Array.from({ length: 64 }, (_, i) => 1 + i / 64);
    down.ia3_l.get('default')!.assign(HostTensor.f32([1, 64], sDown));
    const h = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const expectedDown = await run(down.base_layer.call(input(64)), HostTensor.f32([1, 64], h.map((x, i) => x * sDown[i])));
    expect(maxAbsDiff(await run(down.call(input(64)), HostTensor.f32([1, 64], h)), expectedDown)).toBeLessThan(1e-6);

    const sV = Float32Array.from({ length: 16 }, (_, i) => (i % 2 ? -2 : 0.5));
    v.ia3_l.get('default')!.assign(HostTensor.f32([16, 1], sV));
    const x = HostTensor.f32([1, 32], Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)));
    const plain = await run(v.base_layer.call(input(32)), x);
    expect(maxAbsDiff(await run(v.call(input(32)), x), plain.map((y, i) => y * sV[i]))).toBeLessThan(1e-6);
  });

  it('trains only the vectors, and the loss falls', async () => {
    const model = tinyModel('llama');
    Ia3Model.inject(model, ia3());
    const losses = await train(model, 30);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.9);
    const vectors = model.namedParameters().filter(([n]) => n.endsWith('.ia3_l.default'));
    expect(vectors.some(([, p]) => p.value.toFloat32().some((x) => Math.abs(x - 1) > 1e-3))).toBe(true);
    expect(model.namedParameters().filter(([, p]) => p.requiresGrad).every(([n]) => n.endsWith('.ia3_l.default'))).toBe(true);
  });

  for (const arch of ['qwen2', 'gpt2'] as const) {
    it(`merges into the base weights and biases, unmerges back, and unloads (${arch})`, async () => {
      const model = tinyModel(arch);
      randomize(model, (n) => n.endsWith('.bias'), 7, 0.3); // GPT-2's biases start at zero: make the bias scaling count
      const a = Ia3Model.inject(model, ia3());
      randomize(model, (n) => n.includes('ia3_l'), 3, 1.5);
      const before = baseWeights(model);
      const adapted = await logits(model);
      a.merge();
      expect(a.layers().every(([, l]) => l.merged.length === 1)).toBe(true);
      expect(maxAbsDiff(await logits(model), adapted)).toBeLessThan(1e-5);
      expect(maxAbsDiff(baseWeights(model)[0], before[0])).toBeGreaterThan(1e-3);
      a.unmerge();
      baseWeights(model).forEach((w, i) => expect(maxAbsDiff(w, before[i])).toBeLessThan(1e-6));
      expect(maxAbsDiff(await logits(model), adapted)).toBeLessThan(1e-5);
      const plain = a.mergeAndUnload();
      expect(plain.namedParameters().some(([n]) => n.includes('ia3') || n.includes('base_layer'))).toBe(false);
      expect(plain.namedParameters().every(([, p]) => p.requiresGrad)).toBe(true);
      expect(maxAbsDiff(await logits(model), adapted)).toBeLessThan(1e-5);
    });
  }

  it('refuses to disable a merged adapter and to unmerge a vector with a zero entry', () => {
    const model = tinyModel('llama');
    const a = Ia3Model.inject(model, ia3());
    const layer = a.layers()[0][1];
    a.merge();
    expect(() => a.disableAdapter(() => layer.call(Tensor.input('x', [1, 32], 'f32')))).toThrow('cannot disable (IA)³ adapters while default are merged');
    layer.ia3_l.get('default')!.value.data[3] = 0;
    expect(() => a.unmerge()).toThrow('cannot unmerge (IA)³ adapter "default": its vector has a zero entry');
  });

  it('trains around a base that only shows its weight (a 4-bit layer), and refuses to merge into it with nothing changed', async () => {
    const model = tinyModel('llama');
    for (const i of [0, 1]) {
      const attn = model.getModule(`model.layers.${i}.self_attn`)!;
      attn.replaceModule('k_proj', new ReadOnlyBase(model.getModule(`model.layers.${i}.self_attn.k_proj`) as Linear));
    }
    model.nameParameters();
    const base = await logits(model);
    const a = Ia3Model.inject(model, ia3());
    expect(a.layers()[0][1].base_layer).toBeInstanceOf(ReadOnlyBase);
    expect(await logits(model)).toEqual(base);
    const losses = await train(model, 10);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    const k = model.namedParameters().find(([n]) => n === 'model.layers.0.self_attn.k_proj.ia3_l.default')![1];
    expect(k.value.toFloat32().some((x) => Math.abs(x - 1) > 1e-4)).toBe(true);
    const before = baseWeights(model);
    expect(() => a.merge()).toThrow('ia3: cannot merge into "model.layers.0.self_attn.k_proj": its ReadOnlyBase has no weight that can be written (dequantize to a 16/32-bit model first)');
    baseWeights(model).forEach((w, i) => expect(w).toEqual(before[i]));
    expect(a.layers().every(([, l]) => l.merged.length === 0)).toBe(true);
  });

  it('draws the vectors from N(0, 1) with init_ia3_weights=false, as PEFT does', () => {
    const model = tinyModel('llama');
    Ia3Model.inject(model, ia3({ init_ia3_weights: false }), { seed: 4 });
    const values = model.trainableParameters().flatMap((p) => [...p.value.toFloat32()]);
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(variance).toBeGreaterThan(0.7);
    expect(variance).toBeLessThan(1.3);
  });
});
