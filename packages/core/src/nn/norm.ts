import type { DType } from '../dtype.js';
import { F } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { init } from './init.js';
import { Module } from './module.js';
import { Parameter } from '../ir/parameter.js';

/**
 * Root-mean-square norm over the last axis with a learned scale (Llama, Qwen, Mistral). Gemma
 * stores the scale as an offset from 1 and multiplies by (1 + weight): `weightOffset` 1, and the
 * weight then starts at 0.
 */
export class RMSNorm extends Module {
  readonly weight: Parameter;

  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
    dtype: DType = 'f32',
    readonly weightOffset = 0,
  ) {
    super();
    this.weight = this.param('weight', new Parameter(init.fill([dim], 1 - weightOffset, dtype)));
  }

  forward(x: Tensor): Tensor {
    const w = this.t(this.weight);
    return F.rmsNorm(x, this.weightOffset ? w.add(this.weightOffset) : w, this.eps);
  }
}

/** Layer norm over the last axis with learned scale and shift (GPT-2). */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
    dtype: DType = 'f32',
  ) {
    super();
    this.weight = this.param('weight', new Parameter(init.fill([dim], 1, dtype)));
    this.bias = this.param('bias', new Parameter(init.fill([dim], 0, dtype)));
  }

  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.t(this.weight), this.t(this.bias), this.eps);
  }
}
