import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, HostTensor, OrtExecutor, Tensor, TrainStep } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { quantizeModel } from './linear-4bit.js';

const ort = new OrtExecutor();
afterAll(() => ort.dispose());
const IDS = HostTensor.i64([2, 8], [5, 9, 2, 77, 120, 8, 1, 3, 1, 40, 3, 299, 6, 12, 90, 4]);

async function logits(model: ReturnType<typeof createModel>): Promise<Float32Array> {
  const [out] = await ort.compile([model.call(Tensor.input('ids', [2, 8], 'i64')).logits]).run({ ids: IDS });
  return out.toFloat32();
}

describe('QLoRA: LoRA on 4-bit frozen weights', () => {
  for (const useDora of [false, true]) {
    it(`starts as the quantized model and trains only the adapter${useDora ? ' (DoRA)' : ''}`, async () => {
      const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 2 });
      quantizeModel(model, { quantType: 'nf4', blocksize: 64, doubleQuant: true });
      const quantized = await logits(model);
      const lora = LoraModel.inject(model, parseLoraConfig({ r: 8, lora_alpha: 16, target_modules: 'all-linear', use_dora: useDora }));
      expect(lora.layers().length).toBe(14);
      const start = await logits(model);
      expect(Math.max(...start.map((v, i) => Math.abs(v - quantized[i])))).toBeLessThan(1e-4);

      const params = model.trainableParameters();
      expect(model.namedParameters().filter(([, p]) => p.requiresGrad).every(([n]) => n.includes('.lora_'))).toBe(true);
      const step = new TrainStep(ort, params);
      const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
      const losses: number[] = [];
      for (let s = 0; s < 20; s++) {
        const { loss } = await step.run(() => {
          const ids = Tensor.input('ids', [2, 8], 'i64');
          return model.loss(ids, ids);
        }, { ids: IDS });
        losses.push(loss);
        opt.step();
        opt.zeroGrad();
      }
      expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.6);
    });
  }

  it('refuses to merge into 4-bit weights, saying what to do instead', () => {
    const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 1, heads: 4, kvHeads: 2, vocab: 300 })));
    quantizeModel(model, { quantType: 'nf4', blocksize: 64 });
    const lora = LoraModel.inject(model, parseLoraConfig({ r: 4, target_modules: ['q_proj'] }));
    expect(() => lora.merge()).toThrow('Linear4bit weights cannot be changed in place (merge or PiSSA): dequantize to a 16/32-bit model first');
  });
});

describe('parameter counts on a quantized base', () => {
  it('count a 4-bit or 8-bit weight by its elements, as PEFT does, not by its packed bytes and scales', async () => {
    const { quantizeModel8bit } = await import('../int8/quantize-model-8bit.js');
    const { parameterCounts } = await import('@tunekit/peft-lora');
    const build = () => createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 1, heads: 4, kvHeads: 2, vocab: 300 })));
    const full = parameterCounts(build()).all;
    const nf4 = build();
    quantizeModel(nf4, { doubleQuant: true });
    const int8 = build();
    quantizeModel8bit(int8);
    expect(parameterCounts(nf4).all).toBe(full);
    expect(parameterCounts(int8).all).toBe(full);
    LoraModel.inject(nf4, parseLoraConfig({ r: 4, target_modules: ['q_proj'] }));
    expect(parameterCounts(nf4)).toEqual({ trainable: 4 * 64 * 2, all: full + 4 * 64 * 2 });
  });
});
