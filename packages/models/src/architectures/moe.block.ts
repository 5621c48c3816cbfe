import { Module, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { MoeConfig } from '../config/moe-config.js';
import type { BuildOptions } from './build-options.js';
import { MoeExperts } from './moe.experts.js';
import { MoeRouter } from './moe.router.js';

export interface MoeOutput {
  readonly out: Tensor;
  /** [B·T, E] router logits, for the load-balancing loss. */
  readonly routerLogits: Tensor;
}

/** The sparse MLP slot of a decoder layer (transformers' `*SparseMoeBlock`, under the name `mlp`). */
export class MoeBlock extends Module {
  readonly gate: MoeRouter;
  readonly experts: MoeExperts;

  constructor(config: ModelConfig, moe: MoeConfig, build: BuildOptions) {
    super();
    this.gate = this.module('gate', new MoeRouter(config.hidden, moe, build));
    this.experts = this.module('experts', new MoeExperts(config, moe, build));
  }

  forward(x: Tensor): MoeOutput {
    const flat = x.reshape(-1, x.dim(-1));
    const routing = this.gate.call(flat);
    return { out: this.experts.call(flat, routing).reshape([...x.shape]), routerLogits: routing.logits };
  }
}
