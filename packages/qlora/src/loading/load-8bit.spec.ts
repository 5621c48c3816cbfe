import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTensor, Linear, ReferenceExecutor, Tensor } from '@tunekit/core';
import { type CausalLM, loadModel, saveModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { Linear8bit } from '../int8/linear-8bit.js';
import { quantizeModel8bit } from '../int8/quantize-model-8bit.js';
import { loadModel8bit } from './load-8bit.js';

/** The bytes a typed array views (not its whole buffer). */
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let root: string;
const ref = new ReferenceExecutor();
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-load8bit-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const IDS = HostTensor.i64([1, 5], [3, 17, 250, 9, 41]);
const run = async (m: CausalLM) => (await ref.compile([m.call(Tensor.input('ids', [1, 5], 'i64')).logits]).run({ ids: IDS }))[0]!.toFloat32();

/** A tiny checkpoint whose biases are not transformers' zeros, so reading them with their layer counts. */
async function checkpoint(arch: 'llama' | 'gpt2' | 'qwen2'): Promise<string> {
  const tiny = await createTinyModel({ arch, dir: join(root, `${arch}-init`), seed: 5 });
  const model = (await loadModel(tiny.dir)).model;
  for (const [name, p] of model.namedParameters()) if (name.endsWith('.bias')) p.assign(HostTensor.f32(p.shape, Array.from({ length: p.size }, (_, i) => 0.01 * (i % 9) - 0.04)));
  const dir = join(root, arch);
  await saveModel(model, dir);
  return dir;
}

describe('loadModel8bit (quantize to LLM.int8 while loading)', () => {
  it.each(['qwen2', 'gpt2'] as const)('gives exactly the layers of loading %s in full precision and then quantizeModel8bit', async (arch) => {
    const dir = await checkpoint(arch);
    const direct = await loadModel8bit(dir, { threshold: 4 });
    const reference = (await loadModel(dir)).model;
    const paths = quantizeModel8bit(reference, { threshold: 4 });
    expect(direct.quantized).toEqual(paths);
    expect(paths.length).toBeGreaterThan(0);
    const ref = new Map(reference.namedParameters());
    expect(direct.model.namedParameters().map(([n]) => n)).toEqual([...ref.keys()]);
    for (const [name, p] of direct.model.namedParameters()) expect(bytesOf(p.value.data).equals(bytesOf(ref.get(name)!.value.data)), name).toBe(true);
    const layer = direct.model.getModule(paths[0]!) as Linear8bit;
    expect(layer).toBeInstanceOf(Linear8bit);
    expect(layer.threshold).toBe(4);
    // GPT-2's projections are Conv1D ([in, out] in the checkpoint): transposed before quantizing, and remembered.
    expect(layer.conv1d).toBe(arch === 'gpt2');
    expect((layer.bias!.value.data as Float32Array).some((v) => v !== 0)).toBe(true);
    expect(Array.from(await run(direct.model))).toEqual(Array.from(await run(reference)));
  });

  it('keeps the skipped modules in full precision (the LM head by default)', async () => {
    const dir = await checkpoint('llama');
    const { model, quantized } = await loadModel8bit(dir, { skipModules: ['lm_head', 'mlp'] });
    expect(quantized.some((p) => p.includes('.mlp.'))).toBe(false);
    expect(quantized).toContain('model.layers.0.self_attn.q_proj');
    expect(model.getModule('model.layers.0.mlp.up_proj')).toBeInstanceOf(Linear);
    expect(model.getModule('lm_head')).toBeInstanceOf(Linear);
  });
});
