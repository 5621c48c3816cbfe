import type { DType } from '../dtype.js';
import { Rng } from '../random/rng.js';
import { F } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalRng, init } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  rng?: Rng;
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
    this.weight = this.param('weight', new Parameter(init.kaimingUniform([outFeatures, inFeatures], inFeatures, rng, opts.dtype)));
    this.bias = opts.bias === false ? null : this.param('bias', new Parameter(init.kaimingUniform([outFeatures], inFeatures, rng, opts.dtype)));
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.t(this.weight), this.bias && this.t(this.bias));
  }
}
