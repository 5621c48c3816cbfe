import { F, Linear, Module, type Parameter, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';

/**
 * The output projection when `tie_word_embeddings` is set: its `weight` is the embedding's own
 * Parameter, so the two train as one tensor and `namedParameters()` lists it once, under the
 * embedding's name (what save_pretrained writes).
 */
export class TiedLmHead extends Module {
  constructor(readonly weight: Parameter) {
    super();
    this.param('weight', weight);
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.t(this.weight));
  }
}

export function createLmHead(config: ModelConfig, embedding: Parameter, build: BuildOptions): Linear | TiedLmHead {
  return config.tieWordEmbeddings
    ? new TiedLmHead(embedding)
    : new Linear(config.hidden, config.vocab, { bias: false, dtype: build.dtype, rng: build.rng, empty: build.empty });
}
