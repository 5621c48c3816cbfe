import { describe, expect, it } from 'vitest';
import { AdamW, HostTensor, type Module, OrtExecutor, ReferenceExecutor, Tensor, TrainStep } from '@tunekit/core';
import { IDS, logits, maxAbsDiff, randomize, tinyModel } from '../testing/lora.test-support.js';
import { parseBottleneckConfig } from './adapter.config.js';
import { BottleneckLayer } from './adapter.layer.js';
import { BottleneckModel } from './adapter.model.js';

const adapter = (raw: Record<string, unknown> = {}) => parseBottleneckConfig(raw);
/** Calls a module whose forward takes any arguments (a wrapper, an MLP) on one tensor. */
const callWith = (m: Module, x: Tensor) => (m.call as (...a: unknown[]) => unknown).apply(m, [x]) as Tensor;
const trainable = (m: Module) => m.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}]`);

describe('bottleneck adapter injection', () => {
  it('wraps attention and MLP (houlsby) or the MLP only (pfeiffer) of every block, with named parts', () => {
    const model = tinyModel('llama');
    const a = BottleneckModel.inject(model, adapter({ config: 'houlsby', bottleneck_size: 4, layer_norm: true }));
    expect(a.layers().map(([n]) => n)).toEqual(['model.layers.0.self_attn', 'model.layers.0.mlp', 'model.layers.1.self_attn', 'model.layers.1.mlp']);
    expect(trainable(model).filter((n) => n.startsWith('model.layers.0.mlp.'))).toEqual([
      'model.layers.0.mlp.adapter_norm.default.weight [32]',
      'model.layers.0.mlp.adapter_norm.default.bias [32]',
      'model.layers.0.mlp.adapter_down.default.weight [4,32]',
      'model.layers.0.mlp.adapter_down.default.bias [4]',
      'model.layers.0.mlp.adapter_up.default.weight [32,4]',
      'model.layers.0.mlp.adapter_up.default.bias [32]',
    ]);
    expect(trainable(model)).toHaveLength(24);
    expect(model.getModule('model.layers.0.self_attn.base_layer.q_proj')).toBeDefined();
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);

    const gpt2 = tinyModel('gpt2');
    expect(BottleneckModel.inject(gpt2, adapter({ config: 'houlsby' })).layers().map(([n]) => n)).toEqual(['transformer.h.0.attn', 'transformer.h.0.mlp', 'transformer.h.1.attn', 'transformer.h.1.mlp']);
    // hidden 32 / reduction_factor 16 = 2
    expect(trainable(gpt2).filter((n) => n.startsWith('transformer.h.1.mlp.'))).toEqual([
      'transformer.h.1.mlp.adapter_down.default.weight [2,32]',
      'transformer.h.1.mlp.adapter_down.default.bias [2]',
      'transformer.h.1.mlp.adapter_up.default.weight [32,2]',
      'transformer.h.1.mlp.adapter_up.default.bias [32]',
    ]);
    expect(BottleneckModel.inject(tinyModel('qwen2'), adapter({ layers_to_transform: [1] })).layers().map(([n]) => n)).toEqual(['model.layers.1.mlp']);
  });

  it('names what it cannot do: layers the model lacks, a bottleneck wider than nothing, merging', () => {
    expect(() => BottleneckModel.inject(tinyModel('llama'), adapter({ layers_to_transform: [1, 5] }))).toThrow('adapter: layers_to_transform names layer 5, but the model has 2 (0-1)');
    expect(() => BottleneckModel.inject(tinyModel('llama'), adapter({ reduction_factor: 64 }))).toThrow('reduction_factor: 64 leaves no bottleneck for hidden size 32');
    const a = BottleneckModel.inject(tinyModel('llama'), adapter());
    expect(() => a.mergeAndUnload()).toThrow('adapter: bottleneck adapters cannot be merged into the base weights (their activation is non-linear)');
  });

  it("prints trainable parameters in PEFT's format", () => {
    const model = tinyModel('llama');
    const all = model.parameters().reduce((s, p) => s + p.size, 0);
    const a = BottleneckModel.inject(model, adapter({ config: 'houlsby', bottleneck_size: 4 }));
    // 4 sublayers x (down 4x32 + 4, up 32x4 + 32)
    const added = 4 * (4 * 32 + 4 + 32 * 4 + 32);
    expect(a.trainableParametersLine()).toBe(`trainable params: ${added.toLocaleString('en-US')} || all params: ${(all + added).toLocaleString('en-US')} || trainable%: ${((100 * added) / (all + added)).toFixed(4)}`);
    expect(added).toBe(1168);
  });
});

describe('bottleneck adapter forward and training', () => {
  for (const [arch, raw] of [
    ['llama', { config: 'houlsby' }],
    ['llama', { config: 'pfeiffer', layer_norm: true, non_linearity: 'silu' }],
    ['gpt2', { config: 'houlsby', non_linearity: 'gelu', bottleneck_size: 8 }],
    ['qwen2', {}],
  ] as const) {
    it(`starts as the base model exactly (${arch} ${JSON.stringify(raw)}), and disableAdapter() traces the base once trained`, async () => {
      const model = tinyModel(arch);
      const base = await logits(model);
      const a = BottleneckModel.inject(model, adapter(raw), { seed: 3 });
      expect(await logits(model)).toEqual(base);
      randomize(model, (n) => n.includes('.adapter_up.'), 5, 0.5);
      expect(maxAbsDiff(await logits(model), base)).toBeGreaterThan(1e-3);
      expect(await a.disableAdapter(() => logits(model))).toEqual(base);
    });
  }

  it('computes h + up(act(down(norm(h)))) on the sublayer output, or the adapter alone without the residual', async () => {
    for (const residual of [true, false]) {
      const model = tinyModel('llama');
      const a = BottleneckModel.inject(model, adapter({ bottleneck_size: 3, non_linearity: 'relu', layer_norm: true, residual }));
      randomize(model, (n) => n.includes('.adapter_'), 8, 0.4);
      const layer = a.layers()[0][1];
      const x = HostTensor.f32([1, 2, 32], Float32Array.from({ length: 64 }, (_, i) => Math.sin(i / 3)));
      const input = Tensor.input('x', [1, 2, 32], 'f32');
      const [h, out] = (await new ReferenceExecutor().compile([callWith(layer.base_layer, input), callWith(layer, input)]).run({ x })).map((t) => t.toFloat32());
      const w = (n: string) => layer.namedParameters().find(([name]) => name === n)![1].value.toFloat32();
      const [g, beta, wd, bd, wu, bu] = ['adapter_norm.default.weight', 'adapter_norm.default.bias', 'adapter_down.default.weight', 'adapter_down.default.bias', 'adapter_up.default.weight', 'adapter_up.default.bias'].map(w);
      for (let t = 0; t < 2; t++) {
        const row = h.slice(t * 32, t * 32 + 32);
        const mean = row.reduce((s, v) => s + v, 0) / 32;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 32;
        const normed = row.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[i] + beta[i]);
        const mid = Array.from({ length: 3 }, (_, j) => Math.max(0, bd[j] + normed.reduce((s, v, i) => s + v * wd[j * 32 + i], 0)));
        for (let i = 0; i < 32; i++) {
          const y = bu[i] + mid.reduce((s, v, j) => s + v * wu[i * 3 + j], 0);
          expect(out[t * 32 + i]).toBeCloseTo((residual ? row[i] : 0) + y, 5);
        }
      }
    }
  });

  it('keeps the KV cache working through a wrapped attention: cached decoding matches the full forward', async () => {
    const model = tinyModel('llama');
    BottleneckModel.inject(model, adapter({ config: 'houlsby' }));
    randomize(model, (n) => n.includes('.adapter_'), 6, 0.3);
    const full = await logits(model);
    const first = model.call(Tensor.input('a', [2, 3], 'i64'));
    const second = model.call(Tensor.input('b', [2, 2], 'i64'), { past: first.present });
    const ids = IDS.toFloat32();
    const feed = (cols: number[]) => HostTensor.i64([2, cols.length], [0, 1].flatMap((r) => cols.map((c) => ids[r * 5 + c])));
    const [tail] = await new ReferenceExecutor().compile([second.logits]).run({ a: feed([0, 1, 2]), b: feed([3, 4]) });
    const vocab = full.length / 10;
    const expected = [0, 1].flatMap((r) => [...full.slice((r * 5 + 3) * vocab, (r * 5 + 5) * vocab)]);
    expect(maxAbsDiff(tail.toFloat32(), expected)).toBeLessThan(1e-4);
  });

  it('trains only the adapters (up starts at zero and moves), and the loss falls', async () => {
    const model = tinyModel('llama');
    BottleneckModel.inject(model, adapter({ config: 'houlsby', bottleneck_size: 8 }));
    const params = model.trainableParameters();
    const ort = new OrtExecutor();
    const step = new TrainStep(ort, params);
    const opt = new AdamW(params, { lr: 3e-2, weightDecay: 0 });
    const losses: number[] = [];
    try {
      for (let s = 0; s < 25; s++) {
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
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.6);
    expect(model.namedParameters().filter(([, p]) => p.requiresGrad).every(([n]) => /\.adapter_(down|up)\.default\./.test(n))).toBe(true);
    const up = model.namedParameters().find(([n]) => n === 'model.layers.0.mlp.adapter_up.default.weight')![1];
    expect(up.value.toFloat32().some((v) => v !== 0)).toBe(true);
  });

  it('unload() gives back the plain model', async () => {
    const model = tinyModel('gpt2');
    const base = await logits(model);
    const a = BottleneckModel.inject(model, adapter({ config: 'houlsby' }));
    randomize(model, (n) => n.includes('.adapter_'), 2, 0.3);
    const plain = a.unload();
    expect(plain.getModule('transformer.h.0.attn')).not.toBeInstanceOf(BottleneckLayer);
    expect(plain.namedParameters().some(([n]) => n.includes('adapter_') || n.includes('base_layer'))).toBe(false);
    expect(await logits(model)).toEqual(base);
  });
});
