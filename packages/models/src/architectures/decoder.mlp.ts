import { Linear, Module, type ActivationFn, type Tensor, activation } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';

/**
 * Gated MLP: down(act(gate(x)) * up(x)), SwiGLU with the usual `silu`. Phi-3 computes gate and up
 * in one `gate_up_proj` whose first half of rows is the gate.
 */
export class DecoderMlp extends Module {
  readonly gate_proj: Linear | null;
  readonly up_proj: Linear | null;
  readonly gate_up_proj: Linear | null;
  readonly down_proj: Linear;
  private readonly act: ActivationFn;

  constructor(config: ModelConfig, build: BuildOptions) {
    super();
    const { hidden, intermediate: m, fusedProjections: fused } = config;
    const linear = (name: string, inF: number, outF: number) => this.module(name, new Linear(inF, outF, { bias: config.mlpBias, ...build }));
    this.gate_up_proj = fused ? linear('gate_up_proj', hidden, 2 * m) : null;
    this.gate_proj = fused ? null : linear('gate_proj', hidden, m);
    this.up_proj = fused ? null : linear('up_proj', hidden, m);
    this.down_proj = linear('down_proj', m, hidden);
    this.act = activation(config.hiddenAct);
  }

  forward(x: Tensor): Tensor {
    const [gate, up] = this.gate_up_proj ? this.gate_up_proj.call(x).chunk(2, -1) : [this.gate_proj!.call(x), this.up_proj!.call(x)];
    return this.down_proj.call(this.act(gate).mul(up));
  }
}
