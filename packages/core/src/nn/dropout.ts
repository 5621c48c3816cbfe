import { numel } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { addTracedFeed, currentScope } from '../ir/trace-context.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * Inverted dropout with a seeded mask. The mask is drawn on the host while tracing and fed as a
 * run-time input (see `takeTracedFeeds`), so the compiled program stays the same across steps and
 * a seed (and a restored Rng state) reproduces every mask.
 */
export class Dropout extends Module {
  readonly rng: Rng;

  constructor(
    readonly p: number,
    seedOrRng: number | Rng = 0,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.rng = typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = new Uint8Array(numel(x.shape));
    for (let i = 0; i < keep.length; i++) keep[i] = this.rng.uniform() >= this.p ? 1 : 0;
    const name = addTracedFeed(`dropout:${currentScope()}`, new HostTensor('bool', [...x.shape], keep));
    const mask = Tensor.input(name, x.shape, 'bool');
    return Tensor.where(mask, x.mul(1 / (1 - this.p)), 0);
  }
}
