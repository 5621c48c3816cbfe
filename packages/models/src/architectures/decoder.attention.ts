import { F, Linear, Module, RMSNorm, Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import type { RotaryTables } from './rope.js';

export interface AttentionOutput {
  readonly out: Tensor;
  readonly present: KvEntry;
}

/**
 * Grouped-query self-attention with rotary positions (LlamaAttention and its Mistral/Qwen
 * variants). Keys and values keep their kvHeads heads: the attention op maps query heads onto
 * them, so repeated heads are never materialised, in the graph or in the cache.
 */
export class DecoderAttention extends Module {
  readonly q_proj: Linear;
  readonly k_proj: Linear;
  readonly v_proj: Linear;
  readonly o_proj: Linear;
  readonly q_norm: RMSNorm | null;
  readonly k_norm: RMSNorm | null;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    const { hidden, heads, kvHeads, headDim, attentionBias } = config;
    const linear = (inF: number, outF: number, bias: boolean) => new Linear(inF, outF, { bias, ...build });
    this.q_proj = this.module('q_proj', linear(hidden, heads * headDim, attentionBias.qkv));
    this.k_proj = this.module('k_proj', linear(hidden, kvHeads * headDim, attentionBias.qkv));
    this.v_proj = this.module('v_proj', linear(hidden, kvHeads * headDim, attentionBias.qkv));
    this.o_proj = this.module('o_proj', linear(heads * headDim, hidden, attentionBias.o));
    const norm = () => new RMSNorm(headDim, config.norm.eps, build.dtype, config.norm.weightOffset);
    this.q_norm = config.qkNorm ? this.module('q_norm', norm()) : null;
    this.k_norm = config.qkNorm ? this.module('k_norm', norm()) : null;
  }

  /** [B, T, n * D] → [B, n, T, D], normalising each head first when the model has q/k norms. */
  private heads(x: Tensor, n: number, norm: RMSNorm | null): Tensor {
    const [b, t] = x.shape;
    const split = x.reshape(b, t, n, this.config.headDim);
    return (norm ? norm.call(split) : split).transpose(1, 2);
  }

  forward(x: Tensor, rope: RotaryTables, mask: Tensor | null, past?: KvEntry): AttentionOutput {
    const [b, t] = x.shape;
    const { heads, kvHeads, attentionScale } = this.config;
    const q = F.rotary(this.heads(this.q_proj.call(x), heads, this.q_norm), rope.cos, rope.sin);
    const kNew = F.rotary(this.heads(this.k_proj.call(x), kvHeads, this.k_norm), rope.cos, rope.sin);
    const vNew = this.heads(this.v_proj.call(x), kvHeads, null);
    const k = past ? Tensor.concat([past.k, kNew], 2) : kNew;
    const v = past ? Tensor.concat([past.v, vNew], 2) : vNew;
    const o = F.attention(q, k, v, { mask, causal: true, scale: attentionScale, softcap: this.config.softcap.attention });
    return { out: this.o_proj.call(o.transpose(1, 2).reshape(b, t, -1)), present: { k, v } };
  }
}
