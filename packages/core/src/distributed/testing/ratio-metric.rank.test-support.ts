// A rank of the data parallel metric spec: the tiny LM's task with a ratio metric that some ranks' batches have no rows for.
import { HostTensor } from '../../host-tensor.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Batch } from '../../trainer/data-source.interface.js';
import { CausalLmTask } from '../../trainer/causal-lm.task.js';
import type { TaskOutput } from '../../trainer/task.interface.js';
import { tinyLm } from '../../trainer/trainer.test-support.js';
import { type RunSpec, runRank } from './data-parallel-run.test-support.js';

/** `first_id/even`: the mean first input id over the rows whose first id is even (Σ id·even / Σ even). */
class EvenFirstIdTask extends CausalLmTask {
  /** Each traced batch's first ids, in order: what the spec computes the metric from by hand. */
  readonly seen: number[][] = [];

  override trace(batch: Batch): TaskOutput {
    const out = super.trace(batch);
    const [rows, width] = batch.tensors.input_ids.shape;
    const first = Array.from({ length: rows }, (_, r) => Number(batch.tensors.input_ids.data[r * width]));
    this.seen.push(first);
    const even = HostTensor.f32([rows], first.map((id) => Number(id % 2 === 0)));
    const ids = HostTensor.f32([rows], first);
    const [e, x] = [Tensor.input('first_even', [rows]), Tensor.input('first_id', [rows])];
    return { ...out, metrics: { 'first_id/even': { sum: x.mul(e).sum(), count: e.sum() } }, feeds: { first_even: even, first_id: ids } };
  }
}

const task = new EvenFirstIdTask(tinyLm(0));
await runRank(JSON.parse(process.argv[2]) as RunSpec, task, { extra: () => ({ seen: task.seen }) });
