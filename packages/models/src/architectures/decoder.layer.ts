import { Module, RMSNorm, type Tensor } from '@tunekit/core';
import type { ModelConfig, NormPlacement } from '../config/model-config.js';
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

/** The norm (by its transformers name) on a sublayer's input and on its output, where the layout has one. */
interface SublayerNorms {
  readonly input: string | null;
  readonly output: string | null;
}

/**
 * Each placement's norms around attention and MLP. Llama's `post_attention_layernorm` is the MLP's
 * input norm; in OLMo 2 and Gemma 2/3 the same name normalises the attention output.
 */
export const LAYER_NORMS: Readonly<Record<NormPlacement, { readonly attention: SublayerNorms; readonly mlp: SublayerNorms }>> = {
  pre: {
    attention: { input: 'input_layernorm', output: null },
    mlp: { input: 'post_attention_layernorm', output: null },
  },
  // OLMo 2: no input norms; its `post_attention_layernorm` normalises the attention output.
  post: {
    attention: { input: null, output: 'post_attention_layernorm' },
    mlp: { input: null, output: 'post_feedforward_layernorm' },
  },
  sandwich: {
    attention: { input: 'input_layernorm', output: 'post_attention_layernorm' },
    mlp: { input: 'pre_feedforward_layernorm', output: 'post_feedforward_layernorm' },
  },
};

/**
 * h = x + r·out(attn(in(x))); y = h + r·out(mlp(in(h))), with the norms the config's placement
 * names and r Granite's residual multiplier (1 elsewhere).
 */
export class DecoderLayer extends Module {
  readonly self_attn: DecoderAttention;
  readonly mlp: DecoderMlp | MoeBlock;
  /** Norm names, looked up at each forward: a method that wraps a norm (replaceModule) is then the one called. */
  private readonly norms: { readonly [K in 'attention' | 'mlp']: { input: string | null; output: string | null } };

  private readonly residualScale: number;

  constructor(config: ModelConfig, build: BuildOptions, index = 0) {
    super();
    this.residualScale = config.scaling.residual;
    const layout = LAYER_NORMS[config.normPlacement];
    const norm = (name: string | null) => {
      if (name) this.module(name, new RMSNorm(config.hidden, config.norm.eps, build.dtype, config.norm.weightOffset));
      return name;
    };
    const attentionIn = norm(layout.attention.input);
    this.self_attn = this.module('self_attn', new DecoderAttention(config, build));
    const attentionOut = norm(layout.attention.output);
    const mlpIn = norm(layout.mlp.input);
    this.mlp = this.module('mlp', createMlp(config, build, index));
    this.norms = { attention: { input: attentionIn, output: attentionOut }, mlp: { input: mlpIn, output: norm(layout.mlp.output) } };
  }

  /** `rope` is null in a NoPE layer (SmolLM3). */
  forward(x: Tensor, rope: RotaryTables | null, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const { attention, mlp } = this.norms;
    const around = (name: string | null, h: Tensor) => (name ? (this.getModule(name) as RMSNorm).call(h) : h);
    const residual = (y: Tensor) => (this.residualScale === 1 ? y : y.mul(this.residualScale));
    const attn = this.self_attn.call(around(attention.input, x), rope, mask, past);
    const h = x.add(residual(around(attention.output, attn.out)));
    const normed = around(mlp.input, h);
    if (!(this.mlp instanceof MoeBlock)) return { hidden: h.add(residual(around(mlp.output, this.mlp.call(normed)))), present: attn.present };
    const moe = this.mlp.call(normed);
    return { hidden: h.add(residual(around(mlp.output, moe.out))), present: attn.present, routerLogits: moe.routerLogits };
  }
}
