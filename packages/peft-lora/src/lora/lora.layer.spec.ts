import { HostTensor, Linear, ReferenceExecutor, Rng, Tensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { LoraLayer } from './lora.layer.js';
import { STANDARD_LORA } from './lora.variants.js';

const X = HostTensor.f32([2, 32], Array.from({ length: 64 }, (_, i) => Math.sin(i)));

/** A Linear(32 → 16) with two random (init false) LoRA adapters, `default` active. */
function twoAdapterLayer(): LoraLayer {
  const rng = new Rng(4);
  const layer = new LoraLayer(new Linear(32, 16, { bias: false, rng }));
  for (const name of ['default', 'other']) layer.addAdapter(name, { r: 2, alpha: 4, scaling: 2, dropout: 0, init: false, variant: STANDARD_LORA, rng });
  return layer;
}

describe('LoraLayer.useMergedWeight', () => {
  it('puts back the merged list the layer held before, not an empty one (an adapter merged for good stays merged)', async () => {
    const layer = twoAdapterLayer();
    layer.merge(['other']);
    expect(layer.activeAdapters).toEqual(['default']);
    const executor = new ReferenceExecutor();
    const out = async () => (await executor.compile([layer.call(Tensor.input('x', X.shape, 'f32'))]).run({ x: X }))[0].toFloat32();
    const weight = (layer.base_layer as Linear).weight;
    const withOther = weight.value;
    const before = await out();

    const [merged] = await executor.compile([layer.mergedWeight()]).run({});
    const restore = layer.useMergedWeight(merged);
    expect(layer.merged).toEqual(['other', 'default']);
    // Folded in, `default` is not added again by the forward: the same output to float rounding.
    const folded = await out();
    folded.forEach((v, i) => expect(Math.abs(v - before[i])).toBeLessThan(1e-5));
    expect(weight.value).not.toBe(withOther);

    restore();
    expect(layer.merged).toEqual(['other']);
    expect(weight.value).toBe(withOther);
    expect(await out()).toEqual(before);
  });
});
