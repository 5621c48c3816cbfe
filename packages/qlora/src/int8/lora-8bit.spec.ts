import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, HostTensor, OrtExecutor, Tensor, TrainStep } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { Linear8bit } from './linear-8bit.js';
import { quantizeModel8bit } from './quantize-model-8bit.js';

const ort = new OrtExecutor();
afterAll(() => ort.dispose());
const IDS = HostTensor.i64([2, 8], [5, 9, 2, 77, 120, 8, 1, 3, 1, 40, 3, 299, 6, 12, 90, 4]);
const tiny = (layers: number) =>
  createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 2 });

async function logits(model: CausalLM): Promise<Float32Array> {
  const [out] = await ort.compile([model.call(Tensor.input('ids', [2, 8], 'i64')).logits]).run({ ids: IDS });
  return out!.toFloat32();
}

describe('LoRA on 8-bit (LLM.int8) frozen weights', () => {
  for (const useDora of [false, true]) {
    it(`starts as the int8 model and trains only the adapter${useDora ? ' (DoRA)' : ''}`, async () => {
      const model = tiny(2);
      quantizeModel8bit(model);
      const int8Weights = (model.getModule('model.layers.0.mlp.up_proj') as Linear8bit).weight.value.data.slice();
      const quantized = await logits(model);
      const lora = LoraModel.inject(model, parseLoraConfig({ r: 8, lora_alpha: 16, target_modules: 'all-linear', use_dora: useDora }));
      expect(lora.layers().length).toBe(14);
      const start = await logits(model);
      expect(Math.max(...start.map((v, i) => Math.abs(v - quantized[i]!)))).toBeLessThan(1e-4);

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
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.6);
      // The int8 base did not move.
      expect((model.getModule('model.layers.0.mlp.up_proj.base_layer') as Linear8bit).weight.value.data).toEqual(int8Weights);
    });
  }

  it('refuses to merge into int8 weights, saying what to do instead', () => {
    const model = tiny(1);
    quantizeModel8bit(model);
    const lora = LoraModel.inject(model, parseLoraConfig({ r: 4, target_modules: ['q_proj'] }));
    expect(() => lora.merge()).toThrow('Linear8bit weights cannot be changed in place (merge or PiSSA): dequantize to a 16/32-bit model first');
  });
});
