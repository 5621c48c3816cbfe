import { grad } from '../autodiff/grad.js';
import type { Executor, Feeds } from '../executors/executor.interface.js';
import type { HostTensor } from '../host-tensor.js';
import { takeTracedFeeds } from '../ir/trace-context.js';
import type { Parameter } from '../nn/parameter.js';
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
    this.params.forEach((p, k) => accumulate(p, rest[k].toFloat32(), scale));
    return { loss: lossValue.item(), extras: rest.slice(this.params.length) };
  }
}

function accumulate(p: Parameter, g: Float32Array, scale: number): void {
  if (!p.grad) {
    if (scale === 1) {
      p.grad = g;
      return;
    }
    p.grad = new Float32Array(g.length);
  }
  const dst = p.grad;
  for (let i = 0; i < dst.length; i++) dst[i] += g[i] * scale;
}
