import type { Executor } from '../executors/executor.interface.js';
import { takeTracedFeeds } from '../ir/trace-context.js';
import type { TrainDataSource } from './data-source.interface.js';
import type { Task } from './task.interface.js';

/**
 * Runs the task's loss (forward only) over every batch of `data` in eval mode and returns
 * `<prefix>_loss` and each traced metric as token-weighted means (each batch weighs its loss
 * tokens), plus the task's derived metrics (perplexity) computed from those means.
 */
export async function evaluateTask(executor: Executor, task: Task, data: TrainDataSource, prefix: string): Promise<Record<string, number>> {
  const n = data.numBatches(0);
  if (n < 1) throw new Error('evaluate: the eval data source has no batches');
  const sums: Record<string, number> = {};
  let totalWeight = 0;
  // Leaves the task in eval mode: the trainer switches back before its next step.
  task.setTraining(false);
  for (let index = 0; index < n; index++) {
    const batch = await data.batch(0, index);
    const out = task.trace(batch);
    const names = Object.keys(out.metrics ?? {});
    const program = executor.compile([out.loss, ...names.map((k) => out.metrics![k])]);
    const values = await program.run({ ...batch.tensors, ...out.feeds, ...takeTracedFeeds() });
    ['loss', ...names].forEach((name, k) => (sums[name] = (sums[name] ?? 0) + values[k].item() * out.weight));
    totalWeight += out.weight;
  }
  if (totalWeight <= 0) throw new Error('evaluate: the eval set has no loss tokens (every label is ignored)');
  const means = Object.fromEntries(Object.entries(sums).map(([k, s]) => [k, s / totalWeight]));
  const all = { ...means, ...task.derivedMetrics?.(means) };
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [`${prefix}_${k}`, v]));
}
