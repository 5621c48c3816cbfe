import { F, LayerNorm, Linear, Module, Tensor, type ActivationFn, activation } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import type { LayerOutput } from './decoder.layer.js';
import { type RotaryTables, applyRotary } from './rope.js';

/**
 * GPT-NeoX attention: one `query_key_value` projection whose output is laid out per head
 * ([q_h, k_h, v_h] for each head h in turn, not all queries first), rotary embeddings on the
 * leading `rotary_pct` of each head, and a `dense` output projection.
 */
export class GptNeoxAttention extends Module {
  readonly query_key_value: Linear;
  readonly dense: Linear;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    const { hidden, attentionBias } = config;
    this.query_key_value = this.module('query_key_value', new Linear(hidden, 3 * hidden, { bias: attentionBias.qkv, ...build }));
    this.dense = this.module('dense', new Linear(hidden, hidden, { bias: attentionBias.o, ...build }));
  }

  forward(x: Tensor, rope: RotaryTables, mask: Tensor | null, past?: KvEntry): { out: Tensor; present: KvEntry } {
    const [b, t] = x.shape;
    const { heads, headDim, attentionScale } = this.config;
    const perHead = this.query_key_value.call(x).reshape(b, t, heads, 3 * headDim);
    const [q, kNew, vNew] = perHead.split([headDim, headDim, headDim], -1).map((y) => y.transpose(1, 2));
    const k = past ? Tensor.concat([past.k, applyRotary(kNew, rope)], 2) : applyRotary(kNew, rope);
    const v = past ? Tensor.concat([past.v, vNew], 2) : vNew;
    const o = F.attention(applyRotary(q, rope), k, v, { mask, causal: true, scale: attentionScale });
    return { out: this.dense.call(o.transpose(1, 2).reshape(b, t, -1)), present: { k, v } };
  }
}

export class GptNeoxMlp extends Module {
  readonly dense_h_to_4h: Linear;
  readonly dense_4h_to_h: Linear;
  private readonly act: ActivationFn;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    this.dense_h_to_4h = this.module('dense_h_to_4h', new Linear(config.hidden, config.intermediate, { bias: config.mlpBias, ...build }));
    this.dense_4h_to_h = this.module('dense_4h_to_h', new Linear(config.intermediate, config.hidden, { bias: config.mlpBias, ...build }));
    this.act = activation(config.hiddenAct);
  }

  forward(x: Tensor): Tensor {
    return this.dense_4h_to_h.call(this.act(this.dense_h_to_4h.call(x)));
  }
}

/**
 * GPTNeoXLayer. Parallel residual (`use_parallel_residual`, the default): out = x + attn(ln1(x)) +
 * mlp(ln2(x)); sequential: h = x + attn(ln1(x)), out = h + mlp(ln2(h)).
 */
export class GptNeoxLayer extends Module {
  readonly input_layernorm: LayerNorm;
  readonly post_attention_layernorm: LayerNorm;
  readonly attention: GptNeoxAttention;
  readonly mlp: GptNeoxMlp;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    const norm = () => new LayerNorm(config.hidden, config.norm.eps, build.dtype);
    this.input_layernorm = this.module('input_layernorm', norm());
    this.post_attention_layernorm = this.module('post_attention_layernorm', norm());
    this.attention = this.module('attention', new GptNeoxAttention(config, build));
    this.mlp = this.module('mlp', new GptNeoxMlp(config, build));
  }

  forward(x: Tensor, rope: RotaryTables, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const attn = this.attention.call(this.input_layernorm.call(x), rope, mask, past);
    if (this.config.parallelResidual) {
      // transformers sums mlp_output + attn_output + hidden_states, in that order.
      return { hidden: this.mlp.call(this.post_attention_layernorm.call(x)).add(attn.out).add(x), present: attn.present };
    }
    const h = attn.out.add(x);
    return { hidden: this.mlp.call(this.post_attention_layernorm.call(h)).add(h), present: attn.present };
  }
}
