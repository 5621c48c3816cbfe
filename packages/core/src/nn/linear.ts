import type { DType } from '../dtype.js';
import { Rng } from '../random/rng.js';
import { F } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalRng, init } from './init.js';
import { Module } from './module.js';
import { Parameter } from '../ir/parameter.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  rng?: Rng;
  /** Allocate zeros instead of drawing initial values (the weights are about to be loaded). */
  empty?: boolean;
}

/** y = x·Wᵀ + b with W stored [out, in] (PyTorch and Hugging Face layout). */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const rng = opts.rng ?? globalRng();
    const draw = (shape: number[]) => (opts.empty ? init.fill(shape, 0, opts.dtype) : init.kaimingUniform(shape, inFeatures, rng, opts.dtype));
    this.weight = this.param('weight', new Parameter(draw([outFeatures, inFeatures])));
    this.bias = opts.bias === false ? null : this.param('bias', new Parameter(draw([outFeatures])));
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.t(this.weight), this.bias && this.t(this.bias));
  }
}
