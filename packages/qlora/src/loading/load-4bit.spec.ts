import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostTensor, OrtExecutor, Tensor } from '@tunekit/core';
import { loadModel, saveModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { Linear4bit, quantizeModel } from '../layers/linear-4bit.js';
import { loadModel4bit } from './load-4bit.js';

let root: string;
const ort = new OrtExecutor();
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-load4bit-'));
});
afterAll(async () => {
  await ort.dispose();
  await rm(root, { recursive: true, force: true });
});

const IDS = HostTensor.i64([1, 6], [3, 17, 250, 9, 41, 100]);

describe('loadModel4bit (quantize while loading)', () => {
  it('gives exactly the layers of loading in full precision and then quantizing', async () => {
    // Qwen2's q/k/v biases are zeros as transformers initialises them: make them count.
    const dir = join(root, 'qwen2');
    const tiny = await createTinyModel({ arch: 'qwen2', dir: join(root, 'qwen2-init'), seed: 4 });
    const withBias = (await loadModel(tiny.dir)).model;
    for (const [name, p] of withBias.namedParameters()) if (name.endsWith('.bias')) p.assign(HostTensor.f32(p.shape, Array.from({ length: p.size }, (_, i) => 0.01 * (i % 7) - 0.03)));
    await saveModel(withBias, dir);
    const direct = await loadModel4bit(dir, { quantType: 'nf4', doubleQuant: true, blocksize: 64 });
    const reference = (await loadModel(dir)).model;
    const paths = quantizeModel(reference, { quantType: 'nf4', doubleQuant: true, blocksize: 64 });
    expect(direct.quantized).toEqual(paths);
    expect(paths).toContain('model.layers.1.self_attn.q_proj');
    expect(paths).not.toContain('lm_head');
    const ref = new Map(reference.namedParameters());
    for (const [name, p] of direct.model.namedParameters()) expect(Buffer.from(p.value.data.buffer).equals(Buffer.from(ref.get(name)!.value.data.buffer)), name).toBe(true);
    expect(direct.model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear4bit);
    // q_proj has a bias in Qwen2: it is read with its layer, not left at the empty model's zeros.
    const bias = (direct.model.getModule('model.layers.0.self_attn.q_proj') as Linear4bit).bias!.value.data as Float32Array;
    expect(bias.some((v) => v !== 0)).toBe(true);
    const run = async (m: typeof reference) => (await ort.compile([m.call(Tensor.input('ids', [1, 6], 'i64')).logits]).run({ ids: IDS }))[0]!.toFloat32();
    expect(Array.from(await run(direct.model))).toEqual(Array.from(await run(reference)));
  });

  it('peaks near the quantized size while loading, not the full-precision size', async () => {
    // 90M parameters: 360 MB in f32, 47 MB in NF4 with double quant.
    const dir = join(root, 'big');
    await createTinyModel({ arch: 'llama', dir, seed: 0, hidden: 1024, intermediate: 2816, layers: 8, heads: 16, kvHeads: 4, vocab: 320 });
    const script = fileURLToPath(new URL('../testing/peak-load.script.ts', import.meta.url));
    const measure = (mode: string) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, mode, dir], { encoding: 'utf8' })) as { growth: number; quantizedBytes?: number; parameterBytes: number };
    const { growth: full, parameterBytes: fullBytes } = measure('full');
    const { growth: fourBit, quantizedBytes } = measure('4bit');
    // The plain load really holds every f32 weight at once (loading creates no executor, so
    // nothing else is counted), which is what makes the 4-bit figure below a comparison.
    expect(fullBytes).toBeGreaterThan(360e6);
    expect(full).toBeGreaterThan(0.9 * fullBytes);
    expect(quantizedBytes).toBeGreaterThan(45e6);
    // Beyond the quantized weights: one layer's float32 weight at a time, plus what the GC has not yet freed.
    expect(fourBit - quantizedBytes!).toBeLessThan(60e6);
  }, 180_000);
});
