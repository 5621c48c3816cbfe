import { Linear, Module, type ActivationFn, type Tensor, activation } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';

/** Gated MLP: down(act(gate(x)) * up(x)), SwiGLU with the usual `silu`. */
export class DecoderMlp extends Module {
  readonly gate_proj: Linear;
  readonly up_proj: Linear;
  readonly down_proj: Linear;
  private readonly act: ActivationFn;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    const opts = { bias: config.mlpBias, ...build };
    this.gate_proj = this.module('gate_proj', new Linear(config.hidden, config.intermediate, opts));
    this.up_proj = this.module('up_proj', new Linear(config.hidden, config.intermediate, opts));
    this.down_proj = this.module('down_proj', new Linear(config.intermediate, config.hidden, opts));
    this.act = activation(config.hiddenAct);
  }

  forward(x: Tensor): Tensor {
    return this.down_proj.call(this.act(this.gate_proj.call(x)).mul(this.up_proj.call(x)));
  }
}
