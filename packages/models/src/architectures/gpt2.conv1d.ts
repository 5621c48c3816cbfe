import { Module, Parameter, type Tensor, init } from '@tunekit/core';
import type { BuildOptions } from './build-options.js';

/**
 * GPT-2's `Conv1D`: a linear layer whose weight is stored [in, out] (y = x·W + b), the transpose
 * of `Linear`. Keeping that layout means checkpoints load without transposing, and a LoRA layer
 * wrapping it must treat it as `fan_in_fan_out`, as PEFT does.
 */
export class Conv1D extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    build: BuildOptions,
  ) {
    super();
    const shape = [inFeatures, outFeatures];
    this.weight = this.param('weight', new Parameter(build.empty ? init.fill(shape, 0, build.dtype) : init.normal(shape, 0.02, build.rng, build.dtype)));
    this.bias = this.param('bias', new Parameter(init.fill([outFeatures], 0, build.dtype)));
  }

  forward(x: Tensor): Tensor {
    return x.matmul(this.t(this.weight)).add(this.t(this.bias));
  }
}
