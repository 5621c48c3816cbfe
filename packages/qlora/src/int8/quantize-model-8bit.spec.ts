import { afterAll, describe, expect, it } from 'vitest';
import { type Executor, HostTensor, Linear, OrtExecutor, ReferenceExecutor, Tensor } from '@tunekit/core';
import { type CausalLM, Conv1D, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { Linear8bit } from './linear-8bit.js';
import { quantizeModel8bit } from './quantize-model-8bit.js';

const ort = new OrtExecutor();
const ref = new ReferenceExecutor();
afterAll(() => ort.dispose());

const llama = (seed = 0) =>
  createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })), { seed });
const gpt2 = (seed = 0) => createModel(parseModelConfig(tinyConfigJson({ arch: 'gpt2', hidden: 32, intermediate: 64, layers: 2, heads: 4, vocab: 300 })), { seed });
const IDS = HostTensor.i64([2, 5], [1, 5, 9, 13, 200, 7, 3, 99, 4, 42]);

async function logits(model: CausalLM, ex: Executor = ref): Promise<Float32Array> {
  const [out] = await ex.compile([model.call(Tensor.input('ids', [2, 5], 'i64')).logits]).run({ ids: IDS });
  return out!.toFloat32();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('quantizeModel8bit', () => {
  it('replaces every decoder Linear but the LM head, and computes the model with the dequantized weights', async () => {
    const f32 = await logits(llama());
    const model = llama();
    const replaced = quantizeModel8bit(model);
    expect(replaced).toHaveLength(14);
    expect(replaced).toContain('model.layers.1.mlp.down_proj');
    expect(model.getModule('lm_head')).toBeInstanceOf(Linear);
    expect(model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear8bit);
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);
    expect(model.namedParameters().map(([n]) => n)).toContain('model.layers.0.self_attn.o_proj.SCB');

    // The same model with each Linear's weight replaced by its host-dequantized value.
    const reference = llama();
    for (const path of replaced) {
      const q = model.getModule(path) as Linear8bit;
      (reference.getModule(path) as Linear).weight.assign(HostTensor.f32([q.outFeatures, q.inFeatures], q.dequantizedWeight()));
    }
    const q8 = await logits(model);
    expect(maxAbsDiff(q8, await logits(reference))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await logits(model, ort), q8)).toBeLessThan(1e-4);

    // Row-wise int8 keeps about 1/254 of each row's range as error, far less than NF4's ~1/10.
    let d2 = 0;
    let l2 = 0;
    for (let i = 0; i < f32.length; i++) {
      d2 += (q8[i]! - f32[i]!) ** 2;
      l2 += f32[i]! ** 2;
    }
    const relRms = Math.sqrt(d2 / l2);
    expect(relRms).toBeGreaterThan(0); // quantized: not the f32 model
    expect(relRms).toBeLessThan(0.03);
    console.log(`quantizeModel8bit: rms |Δlogits| / rms |logits| = ${relRms.toFixed(5)}`);
  });

  it('follows llm_int8_skip_modules: a name, a full path, or a prefix; a given list replaces the default', () => {
    const byName = llama();
    const r1 = quantizeModel8bit(byName, { skipModules: ['lm_head', 'o_proj'] });
    expect(r1).toHaveLength(12);
    expect(byName.getModule('model.layers.1.self_attn.o_proj')).toBeInstanceOf(Linear);

    const byPrefix = llama();
    const r2 = quantizeModel8bit(byPrefix, { skipModules: ['lm_head', 'model.layers.0', 'model.layers.1.mlp.up_proj'] });
    expect(r2).toEqual([
      'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.k_proj', 'model.layers.1.self_attn.v_proj',
      'model.layers.1.self_attn.o_proj', 'model.layers.1.mlp.gate_proj', 'model.layers.1.mlp.down_proj',
    ]);

    const headToo = llama();
    const r3 = quantizeModel8bit(headToo, { skipModules: ['mlp'] });
    expect(r3).toContain('lm_head');
    expect(r3.some((p) => p.includes('.mlp.'))).toBe(false);
    expect(headToo.getModule('lm_head')).toBeInstanceOf(Linear8bit);
  });

  it('quantizes GPT-2 Conv1D layers (tied head stays) with the same logits as Conv1Ds holding the dequantized weights', async () => {
    const model = gpt2(4);
    const replaced = quantizeModel8bit(model);
    expect(replaced).toEqual([
      'transformer.h.0.attn.c_attn', 'transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_fc', 'transformer.h.0.mlp.c_proj',
      'transformer.h.1.attn.c_attn', 'transformer.h.1.attn.c_proj', 'transformer.h.1.mlp.c_fc', 'transformer.h.1.mlp.c_proj',
    ]);
    const reference = gpt2(4);
    for (const path of replaced) {
      const q = model.getModule(path) as Linear8bit;
      const w = q.dequantizedWeight(); // [out, in]
      const wio = Float32Array.from({ length: w.length }, (_, i) => w[(i % q.outFeatures) * q.inFeatures + Math.floor(i / q.outFeatures)]!);
      (reference.getModule(path) as Conv1D).weight.assign(HostTensor.f32([q.inFeatures, q.outFeatures], wio));
    }
    expect(maxAbsDiff(await logits(model), await logits(reference))).toBeLessThan(1e-5);
  });
});
