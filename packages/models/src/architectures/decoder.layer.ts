import { Module, RMSNorm, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { KvEntry } from './causal-lm.interface.js';
import { DecoderAttention } from './decoder.attention.js';
import { DecoderMlp } from './decoder.mlp.js';
import { NORM_SLOTS, type NormSlots, type Sublayer } from './decoder.norm-slots.js';
import type { RotaryTables } from './rope.js';

export interface LayerOutput {
  readonly hidden: Tensor;
  readonly present: KvEntry;
}

/**
 * One decoder block: h = x + r·post(attn(pre(x))); out = h + r·post(mlp(pre(h))), where the config
 * says which of pre/post norms exist (`NORM_SLOTS`) and r is the residual multiplier (1 but for Granite).
 */
export class DecoderLayer extends Module {
  readonly self_attn: DecoderAttention;
  readonly mlp: DecoderMlp;
  private readonly slots: Record<Sublayer, NormSlots>;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    this.slots = NORM_SLOTS[config.normPlacement];
    const norm = (name: string | null) => name && this.module(name, new RMSNorm(config.hidden, config.norm.eps, build.dtype));
    norm(this.slots.attn.before);
    this.self_attn = this.module('self_attn', new DecoderAttention(config, build));
    norm(this.slots.attn.after);
    norm(this.slots.mlp.before);
    this.mlp = this.module('mlp', new DecoderMlp(config, build));
    norm(this.slots.mlp.after);
  }

  /** The named norm applied to x, or x where the slot is empty. Looked up by name, so a replaced norm is the one used. */
  private norm(name: string | null, x: Tensor): Tensor {
    return name ? (this.getModule(name) as RMSNorm).call(x) : x;
  }

  /** A sublayer's output as it joins the residual stream. */
  private residual(s: Sublayer, out: Tensor): Tensor {
    const y = this.norm(this.slots[s].after, out);
    const r = this.config.scaling.residual;
    return r === 1 ? y : y.mul(r);
  }

  forward(x: Tensor, rope: RotaryTables | null, mask: Tensor | null, past?: KvEntry): LayerOutput {
    const attn = this.self_attn.call(this.norm(this.slots.attn.before, x), rope, mask, past);
    const h = x.add(this.residual('attn', attn.out));
    const out = h.add(this.residual('mlp', this.mlp.call(this.norm(this.slots.mlp.before, h))));
    return { hidden: out, present: attn.present };
  }
}
