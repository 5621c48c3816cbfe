import { F, LayerNorm, Module, Tensor, type ActivationFn, activation } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import type { LayerOutput } from './decoder.layer.js';
import { Conv1D } from './gpt2.conv1d.js';

/** Multi-head causal self-attention with fused q/k/v (`c_attn`) and output projection (`c_proj`). */
export class Gpt2Attention extends Module {
  readonly c_attn: Conv1D;
  readonly c_proj: Conv1D;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    this.c_attn = this.module('c_attn', new Conv1D(config.hidden, 3 * config.hidden, build));
    this.c_proj = this.module('c_proj', new Conv1D(config.hidden, config.hidden, build));
  }

  forward(x: Tensor, mask: Tensor | null, past?: KvEntry): { out: Tensor; present: KvEntry } {
    const [b, t] = x.shape;
    const { hidden, heads, headDim, attentionScale } = this.config;
    const heads4 = (y: Tensor) => y.reshape(b, t, heads, headDim).transpose(1, 2);
    const [q, kNew, vNew] = this.c_attn.call(x).split([hidden, hidden, hidden], -1).map(heads4);
    const k = past ? Tensor.concat([past.k, kNew], 2) : kNew;
    const v = past ? Tensor.concat([past.v, vNew], 2) : vNew;
    const o = F.attention(q, k, v, { mask, causal: true, scale: attentionScale });
    return { out: this.c_proj.call(o.transpose(1, 2).reshape(b, t, hidden)), present: { k, v } };
  }
}

export class Gpt2Mlp extends Module {
  readonly c_fc: Conv1D;
  readonly c_proj: Conv1D;
  private readonly act: ActivationFn;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    this.c_fc = this.module('c_fc', new Conv1D(config.hidden, config.intermediate, build));
    this.c_proj = this.module('c_proj', new Conv1D(config.intermediate, config.hidden, build));
    this.act = activation(config.hiddenAct);
  }

  forward(x: Tensor): Tensor {
    return this.c_proj.call(this.act(this.c_fc.call(x)));
  }
}

/** Pre-LayerNorm block (GPT2Block). */
export class Gpt2Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: Gpt2Attention;
  readonly ln_2: LayerNorm;
  readonly mlp: Gpt2Mlp;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    const norm = () => new LayerNorm(config.hidden, config.norm.eps, build.dtype);
    this.ln_1 = this.module('ln_1', norm());
    this.attn = this.module('attn', new Gpt2Attention(config, build));
    this.ln_2 = this.module('ln_2', norm());
    this.mlp = this.module('mlp', new Gpt2Mlp(config, build));
  }

  forward(x: Tensor, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const attn = this.attn.call(this.ln_1.call(x), mask, past);
    const h = x.add(attn.out);
    return { hidden: h.add(this.mlp.call(this.ln_2.call(h))), present: attn.present };
  }
}
