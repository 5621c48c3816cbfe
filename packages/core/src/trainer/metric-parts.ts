import type { MetricParts } from '../distributed/data-parallel.js';
import type { HostTensor } from '../host-tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RatioMetric, TaskMetric } from './task.interface.js';

const isRatio = (m: TaskMetric): m is RatioMetric => !('node' in m);

/** The tensors a program computes for `metrics` (one or two each, in key order) and how to read its outputs back as parts. */
export function metricOutputs(metrics: Readonly<Record<string, TaskMetric>> = {}): { tensors: Tensor[]; read(values: readonly HostTensor[]): MetricParts } {
  const entries = Object.entries(metrics);
  const tensors = entries.flatMap(([, m]) => (isRatio(m) ? [m.sum, m.count] : [m]));
  return {
    tensors,
    read(values) {
      let at = 0;
      const parts: MetricParts = {};
      for (const [name, m] of entries) parts[name] = isRatio(m) ? { sum: values[at++].item(), count: values[at++].item() } : { sum: values[at++].item(), count: 1 };
      return parts;
    },
  };
}

/** Each metric's value in one batch (sum / count), without those the batch has no rows for. */
export function batchValues(parts: Readonly<MetricParts>): Record<string, number> {
  return Object.fromEntries(Object.entries(parts).flatMap(([k, p]) => (p.count > 0 ? [[k, p.sum / p.count]] : [])));
}

/**
 * Means of batch values over the batches each metric has a value in (the logging window: each
 * micro-batch weighs 1, as TRL appends one value per batch; an evaluation: each batch its weight).
 */
export class MetricMeans {
  private readonly sums = new Map<string, { total: number; weight: number }>();

  add(values: Readonly<Record<string, number>>, weight = 1): void {
    for (const [k, v] of Object.entries(values)) {
      const s = this.sums.get(k) ?? { total: 0, weight: 0 };
      s.total += v * weight;
      s.weight += weight;
      this.sums.set(k, s);
    }
  }

  means(): Record<string, number> {
    return Object.fromEntries([...this.sums].filter(([, s]) => s.weight > 0).map(([k, s]) => [k, s.total / s.weight]));
  }
}
