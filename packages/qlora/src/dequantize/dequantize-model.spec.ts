import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTensor, Linear, type Module, ReferenceExecutor, Tensor } from '@tunekit/core';
import { type CausalLM, Conv1D, createModel, loadModel, parseModelConfig, saveModel } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { Linear8bit } from '../int8/linear-8bit.js';
import { quantizeModel8bit } from '../int8/quantize-model-8bit.js';
import { Linear4bit, quantizeModel } from '../layers/linear-4bit.js';
import { dequantizeModel } from './dequantize-model.js';

/** The bytes a typed array views (not its whole buffer). */
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const ref = new ReferenceExecutor();
const IDS = HostTensor.i64([2, 5], [1, 5, 9, 13, 200, 7, 3, 99, 4, 42]);
const logits = async (m: CausalLM) => (await ref.compile([m.call(Tensor.input('ids', [2, 5], 'i64')).logits]).run({ ids: IDS }))[0]!.toFloat32();
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const tiny = (arch: 'llama' | 'qwen2' | 'gpt2') => {
  const model = createModel(parseModelConfig(tinyConfigJson({ arch, hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 3 });
  // Non-zero biases (Qwen2's q/k/v, GPT-2's Conv1Ds), so keeping them is visible.
  for (const [name, p] of model.namedParameters()) if (name.endsWith('.bias')) p.assign(HostTensor.f32(p.shape, Array.from({ length: p.size }, (_, i) => 0.02 * (i % 5) - 0.04)));
  return model;
};

/** Each quantized layer's host dequant and bias, by path, taken before dequantizeModel replaces it. */
function expected(model: Module): Map<string, { weight: Float32Array; bias: Float32Array | null }> {
  const out = new Map<string, { weight: Float32Array; bias: Float32Array | null }>();
  for (const [path, m] of model.namedModules()) {
    if (m instanceof Linear4bit || m instanceof Linear8bit) out.set(path, { weight: m.dequantizedWeight(), bias: m.bias ? Float32Array.from(m.bias.value.data as Float32Array) : null });
  }
  return out;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-dequant-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('dequantizeModel', () => {
  it.each([
    ['4-bit nf4 with double quant', 'qwen2', (m: Module) => quantizeModel(m, { quantType: 'nf4', doubleQuant: true, blocksize: 64 }), 4],
    ['4-bit fp4', 'llama', (m: Module) => quantizeModel(m, { quantType: 'fp4', blocksize: 128 }), 4],
    ['8-bit', 'qwen2', (m: Module) => quantizeModel8bit(m), 8],
  ] as const)('turns %s layers into Linears holding exactly the dequantized weights', async (_, arch, quantize, bits) => {
    const model = tiny(arch);
    const paths = quantize(model);
    const want = expected(model);
    const quantizedLogits = await logits(model);
    const replaced = dequantizeModel(model);
    expect(replaced).toEqual(paths.map((path) => ({ path, bits })));
    for (const [path, { weight, bias }] of want) {
      const layer = model.getModule(path) as Linear;
      expect(layer).toBeInstanceOf(Linear);
      expect(layer.weight.dtype).toBe('f32');
      expect(layer.weight.shape).toEqual([layer.outFeatures, layer.inFeatures]);
      expect(bytesOf(layer.weight.value.data).equals(bytesOf(weight)), path).toBe(true);
      if (bias) expect(Array.from(layer.bias!.value.data as Float32Array)).toEqual(Array.from(bias));
      else expect(layer.bias).toBeNull();
    }
    expect([...model.namedModules()].some(([, m]) => m instanceof Linear4bit || m instanceof Linear8bit)).toBe(false);
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);
    expect(maxAbsDiff(await logits(model), quantizedLogits)).toBeLessThan(1e-4);
  });

  it("gives GPT-2's int8 Conv1Ds back as Conv1Ds, so the saved checkpoint has transformers' layout", async () => {
    const model = tiny('gpt2');
    quantizeModel8bit(model);
    const want = expected(model);
    const quantizedLogits = await logits(model);
    dequantizeModel(model);
    const attn = model.getModule('transformer.h.0.attn.c_attn') as Conv1D;
    expect(attn).toBeInstanceOf(Conv1D);
    const w = want.get('transformer.h.0.attn.c_attn')!.weight; // [out, in]
    const stored = attn.weight.value.data as Float32Array; // [in, out]
    expect(attn.weight.shape).toEqual([attn.inFeatures, attn.outFeatures]);
    expect(stored[1 * attn.outFeatures + 2]).toBe(w[2 * attn.inFeatures + 1]);
    expect(maxAbsDiff(await logits(model), quantizedLogits)).toBeLessThan(1e-4);
    // Loads back as a plain GPT-2 checkpoint with the same logits.
    await saveModel(model, join(root, 'gpt2'));
    const reloaded = (await loadModel(join(root, 'gpt2'))).model;
    expect(maxAbsDiff(await logits(reloaded), quantizedLogits)).toBeLessThan(1e-4);
  });

  it('leaves a model without quantized layers as it is', () => {
    const model = tiny('llama');
    const before = model.namedParameters().map(([n, p]) => [n, p.value] as const);
    expect(dequantizeModel(model)).toEqual([]);
    expect(model.namedParameters().map(([n, p]) => [n, p.value] as const)).toEqual(before);
  });
});
