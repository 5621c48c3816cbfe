import { Module, RMSNorm, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import { DecoderAttention } from './decoder.attention.js';
import { DecoderMlp } from './decoder.mlp.js';
import type { RotaryTables } from './rope.js';

export interface LayerOutput {
  readonly hidden: Tensor;
  readonly present: KvEntry;
}

/** Pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)). */
export class DecoderLayer extends Module {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: DecoderAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: DecoderMlp;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    const norm = () => new RMSNorm(config.hidden, config.norm.eps, build.dtype);
    this.input_layernorm = this.module('input_layernorm', norm());
    this.self_attn = this.module('self_attn', new DecoderAttention(config, build));
    this.post_attention_layernorm = this.module('post_attention_layernorm', norm());
    this.mlp = this.module('mlp', new DecoderMlp(config, build));
  }

  forward(x: Tensor, rope: RotaryTables, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const attn = this.self_attn.call(this.input_layernorm.call(x), rope, mask, past);
    const h = x.add(attn.out);
    return { hidden: h.add(this.mlp.call(this.post_attention_layernorm.call(h))), present: attn.present };
  }
}
