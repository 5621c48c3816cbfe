import { checkpointSegment } from '../ir/trace-context.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { RMSNorm } from '../nn/norm.js';
import { Rng } from '../random/rng.js';
import { F } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';

export interface TinyLmConfig {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  seed?: number;
  /** Recompute each layer in the backward pass instead of keeping its activations. */
  gradientCheckpointing?: boolean;
}

class Mlp extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  constructor(c: TinyLmConfig, rng: Rng) {
    super();
    this.gate_proj = this.module('gate_proj', new Linear(c.hidden, c.intermediate, { bias: false, rng }));
    this.up_proj = this.module('up_proj', new Linear(c.hidden, c.intermediate, { bias: false, rng }));
    this.down_proj = this.module('down_proj', new Linear(c.intermediate, c.hidden, { bias: false, rng }));
  }
  forward(x: Tensor): Tensor {
    return this.down_proj.call(F.swiglu(this.gate_proj.call(x), this.up_proj.call(x)));
  }
}

/** A pre-norm residual MLP layer. */
class Layer extends Module {
  readonly norm: RMSNorm;
  readonly mlp: Module & { forward(x: Tensor): Tensor };
  constructor(c: TinyLmConfig, rng: Rng) {
    super();
    this.norm = this.module('norm', new RMSNorm(c.hidden, 1e-5));
    this.mlp = this.module('mlp', new Mlp(c, rng));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.mlp.call(this.norm.call(x)));
  }
}

class Layers extends Module {
  readonly list: Layer[];
  constructor(c: TinyLmConfig, rng: Rng) {
    super();
    this.list = Array.from({ length: c.layers }, (_, i) => this.module(String(i), new Layer(c, rng)));
  }
  forward(): never {
    throw new Error('Layers is a container');
  }
}

class Backbone extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: Layers;
  readonly norm: RMSNorm;
  constructor(c: TinyLmConfig, rng: Rng) {
    super();
    this.embed_tokens = this.module('embed_tokens', new Embedding(c.vocab, c.hidden, { rng, std: 0.02 }));
    this.layers = this.module('layers', new Layers(c, rng));
    this.norm = this.module('norm', new RMSNorm(c.hidden, 1e-5));
  }
  forward(ids: Tensor, checkpoint: boolean): Tensor {
    let h = this.embed_tokens.call(ids);
    for (const layer of this.layers.list) h = checkpoint ? checkpointSegment(() => layer.call(h)) : layer.call(h);
    return this.norm.call(h);
  }
}

/**
 * The trainer's test subject: a next-token model built only from core `nn` (embedding, residual
 * MLP layers, head), with Hugging Face-style names. The loop does not care what the model is; the
 * real architectures, and the engine's end-to-end tests on them, live in the models package.
 */
export class TinyLm extends Module {
  readonly model: Backbone;
  readonly lm_head: Linear;
  constructor(readonly config: TinyLmConfig) {
    super();
    const rng = new Rng(config.seed ?? 0);
    this.model = this.module('model', new Backbone(config, rng));
    this.lm_head = this.module('lm_head', new Linear(config.hidden, config.vocab, { bias: false, rng }));
    this.nameParameters();
  }

  forward(ids: Tensor): Tensor {
    return this.lm_head.call(this.model.call(ids, this.config.gradientCheckpointing ?? false));
  }

  /** Mean cross-entropy of the logits at t against `labels` at t (-100 = ignored). */
  loss(ids: Tensor, labels: Tensor): Tensor {
    return F.crossEntropy((this as TinyLm).call(ids), labels);
  }
}
