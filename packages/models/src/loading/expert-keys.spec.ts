import { readSafetensors } from '@tunekit/core';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { GOLDEN_ROOT } from '../testing/golden.test-support.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** transformers 5 saved these with one tensor per expert; the model holds them packed as [E, 2I, H] and [E, H, I]. */
describe.each([
  { arch: 'mixtral', block: 'block_sparse_moe', gate: 'w1', up: 'w3', down: 'w2' },
  { arch: 'qwen3_moe', block: 'mlp', gate: 'gate_proj', up: 'up_proj', down: 'down_proj' },
])('per-expert checkpoint tensors of $arch', ({ arch, block, gate, up, down }) => {
  const source = join(GOLDEN_ROOT, 'archs_extra', arch, 'model');

  it('are packed on load: gate rows then up rows of gate_up_proj, and down_proj, expert by expert', async () => {
    const { model } = await loadModel(source);
    const stored = await readSafetensors(join(source, 'model.safetensors'));
    const params = new Map(model.namedParameters());
    const gateUp = params.get('model.layers.1.mlp.experts.gate_up_proj')!.value.toFloat32();
    const downs = params.get('model.layers.1.mlp.experts.down_proj')!.value.toFloat32();
    const expert = (e: number, name: string) => stored.get(`model.layers.1.${block}.experts.${e}.${name}.weight`)!.toFloat32();
    const n = expert(0, gate).length;
    for (let e = 0; e < 4; e++) {
      expect(Array.from(gateUp.subarray(2 * e * n, (2 * e + 1) * n))).toEqual(Array.from(expert(e, gate)));
      expect(Array.from(gateUp.subarray((2 * e + 1) * n, (2 * e + 2) * n))).toEqual(Array.from(expert(e, up)));
      expect(Array.from(downs.subarray(e * n, (e + 1) * n))).toEqual(Array.from(expert(e, down)));
    }
    expect(Array.from(params.get('model.layers.1.mlp.gate.weight')!.value.toFloat32())).toEqual(Array.from(stored.get(`model.layers.1.${block}.gate.weight`)!.toFloat32()));
  });

  it('are unpacked on save: the same tensors under the same names as transformers wrote', async () => {
    const { model } = await loadModel(source);
    const out = await dirs.make(`save-${arch}`);
    await saveModel(model, out);
    const [want, got] = await Promise.all([readSafetensors(join(source, 'model.safetensors')), readSafetensors(join(out, 'model.safetensors'))]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, t] of want) expect(Array.from(got.get(k)!.toFloat32()), k).toEqual(Array.from(t.toFloat32()));
  });
});
