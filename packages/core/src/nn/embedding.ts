import type { DType } from '../dtype.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { globalRng, init } from './init.js';
import { Module } from './module.js';
import { Parameter } from '../ir/parameter.js';

export interface EmbeddingOptions {
  dtype?: DType;
  rng?: Rng;
  std?: number;
  /** zeros instead of drawn values (weights about to be loaded) */
  empty?: boolean;
  /** nn.Embedding's `padding_idx`: lookups of this id give the row but send it no gradient. */
  paddingIdx?: number | null;
}

/** Lookup table [num, dim] indexed by integer ids (nn.Embedding, N(0, 1) init). */
export class Embedding extends Module {
  readonly weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super();
    const pad = opts.paddingIdx ?? null;
    if (pad !== null && !(Number.isSafeInteger(pad) && pad >= 0 && pad < numEmbeddings)) {
      throw new RangeError(`Embedding: padding_idx ${pad} is outside the table's ${numEmbeddings} rows`);
    }
    this.paddingIdx = pad;
    const shape = [numEmbeddings, embeddingDim];
    const values = opts.empty ? init.fill(shape, 0, opts.dtype) : init.normal(shape, opts.std ?? 1, opts.rng ?? globalRng(), opts.dtype);
    this.weight = this.param('weight', new Parameter(values));
  }

  forward(ids: Tensor): Tensor {
    const rows = this.t(this.weight).gather(0, ids);
    if (this.paddingIdx === null) return rows;
    // Same values; only the gradient of the padding row's lookups is cut, as torch's backward does.
    return Tensor.where(ids.eq(this.paddingIdx).unsqueeze(-1), rows.detach(), rows);
  }
}
