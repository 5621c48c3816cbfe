import { grad } from '../autodiff/grad.js';
import type { Executor, Feeds } from '../executors/executor.interface.js';
import type { HostTensor } from '../host-tensor.js';
import { takeTracedFeeds } from '../ir/trace-context.js';
import type { Parameter } from '../ir/parameter.js';
import { GradAccumulator } from '../optim/grad-accumulator.js';
import type { Tensor } from '../tensor/tensor.js';

export interface StepResult {
  loss: number;
  /** Extra scalar outputs the loss function asked for (accuracy, token counts, ...). */
  extras: HostTensor[];
}

/**
 * One compiled program per distinct batch shape computing the loss and every trainable gradient in
 * a single executor run. Gradients are added into `param.grad`, scaled by `scale`, so micro-batches
 * accumulate (pass 1/n for n micro-batches); an optimizer step then consumes and clears them.
 */
export class TrainStep {
  private readonly grads = new GradAccumulator();

  constructor(
    private readonly executor: Executor,
    private readonly params: readonly Parameter[],
  ) {
    if (params.length === 0) throw new Error('TrainStep: no trainable parameters');
  }

  async run(trace: () => Tensor | { loss: Tensor; extras?: Tensor[] }, feeds: Feeds = {}, scale = 1): Promise<StepResult> {
    const traced = trace();
    const { loss, extras = [] } = 'node' in traced ? { loss: traced, extras: [] } : traced;
    const grads = grad(loss, this.params);
    const program = this.executor.compile([loss, ...grads, ...extras]);
    const outputs = await program.run({ ...feeds, ...takeTracedFeeds() });
    const [lossValue, ...rest] = outputs;
    this.params.forEach((p, k) => this.grads.add(p, rest[k].toFloat32(), scale));
    return { loss: lossValue.item(), extras: rest.slice(this.params.length) };
  }
}
