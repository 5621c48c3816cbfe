import { HostTensor } from '../host-tensor.js';
import { checkpointSegment } from '../ir/trace-context.js';
import { Embedding } from '../nn/embedding.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { RMSNorm } from '../nn/norm.js';
import { Rng } from '../random/rng.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';

export interface TinyConfig {
  vocab: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ropeTheta?: number;
  seed?: number;
  /** Recompute each block in the backward pass instead of keeping its activations. */
  gradientCheckpointing?: boolean;
}

/** cos/sin tables [1, 1, T, D] for rotate-half RoPE. */
export function ropeTables(t: number, headDim: number, theta: number): [Tensor, Tensor] {
  const cos = new Float32Array(t * headDim);
  const sin = new Float32Array(t * headDim);
  const half = headDim / 2;
  for (let p = 0; p < t; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p / theta ** ((2 * i) / headDim);
      for (const j of [i, i + half]) {
        cos[p * headDim + j] = Math.cos(angle);
        sin[p * headDim + j] = Math.sin(angle);
      }
    }
  }
  return [Tensor.constant(HostTensor.f32([1, 1, t, headDim], cos)), Tensor.constant(HostTensor.f32([1, 1, t, headDim], sin))];
}

class Attention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  constructor(private readonly c: TinyConfig, rng: Rng) {
    super();
    const hd = c.hidden / c.heads;
    this.q_proj = this.module('q_proj', new Linear(c.hidden, c.heads * hd, { bias: false, rng }));
    this.k_proj = this.module('k_proj', new Linear(c.hidden, c.kvHeads * hd, { bias: false, rng }));
    this.v_proj = this.module('v_proj', new Linear(c.hidden, c.kvHeads * hd, { bias: false, rng }));
    this.o_proj = this.module('o_proj', new Linear(c.heads * hd, c.hidden, { bias: false, rng }));
  }
  forward(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const [b, t] = x.shape;
    const hd = this.c.hidden / this.c.heads;
    const heads = (y: Tensor, n: number) => y.reshape(b, t, n, hd).transpose(1, 2);
    const q = F.rotary(heads(this.q_proj.call(x), this.c.heads), cos, sin);
    const k = F.rotary(heads(this.k_proj.call(x), this.c.kvHeads), cos, sin);
    const v = heads(this.v_proj.call(x), this.c.kvHeads);
    const o = F.attention(q, k, v, { causal: true });
    return this.o_proj.call(o.transpose(1, 2).reshape(b, t, this.c.hidden));
  }
}

class Mlp extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  constructor(c: TinyConfig, rng: Rng) {
    super();
    this.gate_proj = this.module('gate_proj', new Linear(c.hidden, c.intermediate, { bias: false, rng }));
    this.up_proj = this.module('up_proj', new Linear(c.hidden, c.intermediate, { bias: false, rng }));
    this.down_proj = this.module('down_proj', new Linear(c.intermediate, c.hidden, { bias: false, rng }));
  }
  forward(x: Tensor): Tensor {
    return this.down_proj.call(F.swiglu(this.gate_proj.call(x), this.up_proj.call(x)));
  }
}

/** One Llama-style pre-norm decoder block (the unit the engine benchmark times). */
export class DecoderBlock extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: Attention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: Mlp;
  constructor(c: TinyConfig, rng: Rng) {
    super();
    this.input_layernorm = this.module('input_layernorm', new RMSNorm(c.hidden, 1e-5));
    this.self_attn = this.module('self_attn', new Attention(c, rng));
    this.post_attention_layernorm = this.module('post_attention_layernorm', new RMSNorm(c.hidden, 1e-5));
    this.mlp = this.module('mlp', new Mlp(c, rng));
  }
  forward(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const h = x.add(this.self_attn.call(this.input_layernorm.call(x), cos, sin));
    return h.add(this.mlp.call(this.post_attention_layernorm.call(h)));
  }
}

class Layers extends Module {
  readonly blocks: DecoderBlock[];
  constructor(c: TinyConfig, rng: Rng) {
    super();
    this.blocks = Array.from({ length: c.layers }, (_, i) => this.module(String(i), new DecoderBlock(c, rng)));
  }
  forward(): never {
    throw new Error('Layers is a container');
  }
}

class Backbone extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: Layers;
  readonly norm: RMSNorm;
  constructor(c: TinyConfig, rng: Rng) {
    super();
    this.embed_tokens = this.module('embed_tokens', new Embedding(c.vocab, c.hidden, { rng, std: 0.02 }));
    this.layers = this.module('layers', new Layers(c, rng));
    this.norm = this.module('norm', new RMSNorm(c.hidden, 1e-5));
  }
  forward(ids: Tensor, cos: Tensor, sin: Tensor, checkpoint: boolean): Tensor {
    let h = this.embed_tokens.call(ids);
    for (const block of this.layers.blocks) {
      h = checkpoint ? checkpointSegment(() => block.call(h, cos, sin)) : block.call(h, cos, sin);
    }
    return this.norm.call(h);
  }
}

/**
 * A small Llama-shaped causal LM built only from `nn`: the engine's end-to-end test subject
 * (the real architectures live in the models package). Parameter names follow Hugging Face.
 */
export class TinyTransformer extends Module {
  readonly model: Backbone;
  readonly lm_head: Linear;
  constructor(readonly config: TinyConfig) {
    super();
    const rng = new Rng(config.seed ?? 0);
    this.model = this.module('model', new Backbone(config, rng));
    this.lm_head = this.module('lm_head', new Linear(config.hidden, config.vocab, { bias: false, rng }));
    this.nameParameters();
  }

  forward(ids: Tensor): Tensor {
    const [, t] = ids.shape;
    const [cos, sin] = ropeTables(t, this.config.hidden / this.config.heads, this.config.ropeTheta ?? 10000);
    return this.lm_head.call(this.model.call(ids, cos, sin, this.config.gradientCheckpointing ?? false));
  }

  /** Mean next-token cross-entropy of `ids` [B, T] against `labels` [B, T] (-100 = ignored). */
  loss(ids: Tensor, labels: Tensor): Tensor {
    const logits = (this as TinyTransformer).call(ids);
    return F.crossEntropy(logits, labels);
  }
}
