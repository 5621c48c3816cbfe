import { describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { Tensor } from '../tensor/tensor.js';
import { MetricMeans, batchValues, metricOutputs } from './metric-parts.js';

describe('metric parts', () => {
  it('a plain metric reads as (value, 1), a ratio as its sum and count, in key order', async () => {
    const x = Tensor.input('x', [4]);
    const w = Tensor.input('w', [4]);
    const outputs = metricOutputs({ mean: x.mean(), where: { sum: x.mul(w).sum(), count: w.sum() }, none: { sum: x.mul(0).sum(), count: w.mul(0).sum() } });
    expect(outputs.tensors).toHaveLength(5);
    const values = await new ReferenceExecutor().compile(outputs.tensors).run({ x: HostTensor.f32([4], [1, 2, 3, 6]), w: HostTensor.f32([4], [0, 1, 0, 1]) });
    const parts = outputs.read(values);
    expect(parts).toEqual({ mean: { sum: 3, count: 1 }, where: { sum: 8, count: 2 }, none: { sum: 0, count: 0 } });
    expect(batchValues(parts)).toEqual({ mean: 3, where: 4 });
  });

  it('means are over the batches that have each metric, each weighing its weight', () => {
    const means = new MetricMeans();
    means.add({ a: 1, b: 10 }, 1);
    means.add({ a: 4 }, 2);
    means.add({ b: 20 }, 3);
    expect(means.means()).toEqual({ a: 3, b: 17.5 });
    expect(new MetricMeans().means()).toEqual({});
  });
});
