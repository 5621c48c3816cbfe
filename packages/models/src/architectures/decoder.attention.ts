import { F, Linear, Module, RMSNorm, Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import { type QkNorms, createQkNorms } from './decoder.qk-norm.js';
import { type RotaryTables, applyRotary } from './rope.js';

export interface AttentionOutput {
  readonly out: Tensor;
  readonly present: KvEntry;
}

/**
 * Grouped-query self-attention with rotary positions (LlamaAttention and its Mistral, Qwen, Phi-3,
 * OLMo 2, SmolLM3 and Granite variants). Keys and values keep their kvHeads heads: the attention
 * op maps query heads onto them, so repeated heads are never materialised, in the graph or in the cache.
 */
export class DecoderAttention extends Module {
  /** Separate projections, or null where the model fuses them into `qkv_proj`. */
  readonly q_proj: Linear | null;
  readonly k_proj: Linear | null;
  readonly v_proj: Linear | null;
  /** Phi-3: one projection whose output rows are q, then k, then v. */
  readonly qkv_proj: Linear | null;
  readonly o_proj: Linear;
  readonly q_norm: RMSNorm | null;
  readonly k_norm: RMSNorm | null;
  private readonly qkNorms: QkNorms;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    const { hidden, heads, kvHeads, headDim, attentionBias, fusedProjections } = config;
    const linear = (name: string, inF: number, outF: number, bias: boolean) => this.module(name, new Linear(inF, outF, { bias, ...build }));
    const [q, kv] = [heads * headDim, kvHeads * headDim];
    this.qkv_proj = fusedProjections ? linear('qkv_proj', hidden, q + 2 * kv, attentionBias.qkv) : null;
    this.q_proj = fusedProjections ? null : linear('q_proj', hidden, q, attentionBias.qkv);
    this.k_proj = fusedProjections ? null : linear('k_proj', hidden, kv, attentionBias.qkv);
    this.v_proj = fusedProjections ? null : linear('v_proj', hidden, kv, attentionBias.qkv);
    this.o_proj = linear('o_proj', q, hidden, attentionBias.o);
    this.qkNorms = createQkNorms(config, build.dtype);
    this.q_norm = this.qkNorms.q && this.module('q_norm', this.qkNorms.q);
    this.k_norm = this.qkNorms.k && this.module('k_norm', this.qkNorms.k);
  }

  /** q, k, v as [B, T, n·D] projections. */
  private project(x: Tensor): Tensor[] {
    const { heads, kvHeads, headDim } = this.config;
    if (this.qkv_proj) return this.qkv_proj.call(x).split([heads * headDim, kvHeads * headDim, kvHeads * headDim], -1);
    return [this.q_proj, this.k_proj, this.v_proj].map((p) => p!.call(x));
  }

  /** [B, T, n·D] → [B, n, T, D], with the q/k norm wherever the model puts it. */
  private heads(x: Tensor, n: number, norm: RMSNorm | null): Tensor {
    const [b, t] = x.shape;
    const split = (y: Tensor) => y.reshape(b, t, n, this.config.headDim);
    const normed = !norm ? split(x) : this.qkNorms.overHeads ? norm.call(split(x)) : split(norm.call(x));
    return normed.transpose(1, 2);
  }

  /** `rope` is null in a layer without positional rotation (SmolLM3's NoPE layers). */
  forward(x: Tensor, rope: RotaryTables | null, mask: Tensor | null, past?: KvEntry): AttentionOutput {
    const [b, t] = x.shape;
    const { heads, kvHeads, attentionScale } = this.config;
    const [qx, kx, vx] = this.project(x);
    const rotate = (y: Tensor) => (rope ? applyRotary(y, rope) : y);
    const q = rotate(this.heads(qx, heads, this.q_norm));
    const kNew = rotate(this.heads(kx, kvHeads, this.k_norm));
    const vNew = this.heads(vx, kvHeads, null);
    const k = past ? Tensor.concat([past.k, kNew], 2) : kNew;
    const v = past ? Tensor.concat([past.v, vNew], 2) : vNew;
    const o = F.attention(q, k, v, { mask, causal: true, scale: attentionScale, softcap: this.config.softcap.attention });
    return { out: this.o_proj.call(o.transpose(1, 2).reshape(b, t, -1)), present: { k, v } };
  }
}
