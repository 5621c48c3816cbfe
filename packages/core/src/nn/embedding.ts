import type { DType } from '../dtype.js';
import type { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalRng, init } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Lookup table [num, dim] indexed by integer ids (nn.Embedding, N(0, 1) init). */
export class Embedding extends Module {
  readonly weight: Parameter;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: { dtype?: DType; rng?: Rng; std?: number; /** zeros instead of drawn values (weights about to be loaded) */ empty?: boolean } = {},
  ) {
    super();
    const shape = [numEmbeddings, embeddingDim];
    const values = opts.empty ? init.fill(shape, 0, opts.dtype) : init.normal(shape, opts.std ?? 1, opts.rng ?? globalRng(), opts.dtype);
    this.weight = this.param('weight', new Parameter(values));
  }

  forward(ids: Tensor): Tensor {
    return this.t(this.weight).gather(0, ids);
  }
}
