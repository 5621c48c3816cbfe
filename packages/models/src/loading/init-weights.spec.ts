import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTinyModel } from '../testing/create-tiny-model.js';
import { loadModel } from './load-model.js';

describe('loading from scratch (transformers from_config init)', () => {
  it('ignores the weights and draws transformers-style initial values from the seed', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'tunekit-scratch-')), 'm');
    await createTinyModel({ arch: 'llama', dir, seed: 1, hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2 });
    const trained = await loadModel(dir);
    const a = await loadModel(dir, { fromScratch: { seed: 7 } });
    const b = await loadModel(dir, { fromScratch: { seed: 7 } });
    const c = await loadModel(dir, { fromScratch: { seed: 8 } });
    const weights = (m: typeof a, name: string) => new Map(m.model.namedParameters()).get(name)!.value.toFloat32();
    const q = 'model.layers.0.self_attn.q_proj.weight';
    expect(weights(a, q)).toEqual(weights(b, q));
    expect(weights(a, q)).not.toEqual(weights(c, q));
    expect(weights(a, q)).not.toEqual(weights(trained, q));
    const w = weights(a, q);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect([...weights(a, 'model.norm.weight')].every((v) => v === 1)).toBe(true);
  });
});
