import { Module, RMSNorm, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import { DecoderAttention } from './decoder.attention.js';
import { DecoderMlp } from './decoder.mlp.js';
import { MoeBlock } from './moe.block.js';
import type { RotaryTables } from './rope.js';

export interface LayerOutput {
  readonly hidden: Tensor;
  readonly present: KvEntry;
  /** [B·T, E] router logits where this layer's MLP is a mixture of experts. */
  readonly routerLogits?: Tensor;
}

/** The MLP slot: the dense gated MLP, or a mixture of experts unless the config makes this layer dense. */
function createMlp(config: ModelConfig, build: BuildOptions, index: number): DecoderMlp | MoeBlock {
  const { moe } = config;
  if (!moe || moe.denseLayers.includes(index)) return new DecoderMlp(config, build);
  return new MoeBlock(config, moe, build);
}

/** Pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)). */
export class DecoderLayer extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: DecoderAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: DecoderMlp | MoeBlock;

  constructor(config: ModelConfig, build: BuildOptions, index = 0) {
    super();
    const norm = () => new RMSNorm(config.hidden, config.norm.eps, build.dtype);
    this.input_layernorm = this.module('input_layernorm', norm());
    this.self_attn = this.module('self_attn', new DecoderAttention(config, build));
    this.post_attention_layernorm = this.module('post_attention_layernorm', norm());
    this.mlp = this.module('mlp', createMlp(config, build, index));
  }

  forward(x: Tensor, rope: RotaryTables, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const attn = this.self_attn.call(this.input_layernorm.call(x), rope, mask, past);
    const h = x.add(attn.out);
    const normed = this.post_attention_layernorm.call(h);
    if (!(this.mlp instanceof MoeBlock)) return { hidden: h.add(this.mlp.call(normed)), present: attn.present };
    const moe = this.mlp.call(normed);
    return { hidden: h.add(moe.out), present: attn.present, routerLogits: moe.routerLogits };
  }
}
