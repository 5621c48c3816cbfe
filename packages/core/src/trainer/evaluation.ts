import { SingleProcessCollectives } from '../distributed/single-process.collectives.js';
import type { Executor } from '../executors/executor.interface.js';
import { takeTracedFeeds } from '../ir/trace-context.js';
import type { TrainDataSource } from './data-source.interface.js';
import { MetricMeans, batchValues, metricOutputs } from './metric-parts.js';
import type { Task } from './task.interface.js';

/**
 * Runs the task's loss (forward only) over every batch of `data` in eval mode and returns
 * `<prefix>_loss` and each traced metric as weighted means (each batch weighs its `weight`, its
 * loss tokens), a metric over the batches that have a value for it, plus the task's derived metrics
 * (perplexity) computed from those means.
 */
export async function evaluateTask(executor: Executor, task: Task, data: TrainDataSource, prefix: string): Promise<Record<string, number>> {
  const n = data.numBatches(0);
  if (n < 1) throw new Error('evaluate: the eval data source has no batches');
  const means = new MetricMeans();
  let totalWeight = 0;
  // Leaves the task in eval mode: the trainer switches back before its next step.
  task.setTraining(false);
  // Every rank evaluates every batch, so a value combined over ranks is this rank's own.
  const context = { executor, comm: new SingleProcessCollectives() };
  for (let index = 0; index < n; index++) {
    const batch = await data.batch(0, index);
    const prepared = await task.prepare?.(batch, context);
    const out = task.trace(batch);
    const metrics = metricOutputs(out.metrics);
    const program = executor.compile([out.loss, ...metrics.tensors]);
    const [loss, ...values] = await program.run({ ...batch.tensors, ...prepared, ...out.feeds, ...takeTracedFeeds() });
    const batchMetrics = batchValues(metrics.read(values));
    means.add({ loss: loss.item(), ...batchMetrics, ...task.batchMetrics?.(batchMetrics) }, out.weight);
    totalWeight += out.weight;
  }
  if (totalWeight <= 0) throw new Error('evaluate: the eval set has no loss tokens (every label is ignored)');
  const all = means.means();
  const derived = { ...all, ...task.derivedMetrics?.(all) };
  return Object.fromEntries(Object.entries(derived).map(([k, v]) => [`${prefix}_${k}`, v]));
}
