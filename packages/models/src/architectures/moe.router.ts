import { Module, Parameter, type Tensor, init } from '@tunekit/core';
import type { MoeConfig } from '../config/moe-config.js';
import type { BuildOptions } from './build-options.js';

/** One token's choice of experts. */
export interface Routing {
  /** [N, E] router logits, as transformers records them for `output_router_logits`. */
  readonly logits: Tensor;
  /** [N, k] mixing weights of the chosen experts, f32. */
  readonly weights: Tensor;
  /** [N, k] i64 indices of the chosen experts, best first. */
  readonly experts: Tensor;
}

/**
 * transformers' MoE top-k router (`mlp.gate`): logits = x·Wᵀ, softmax over the experts in f32, the
 * k largest probabilities, renormalised to sum to 1 where the config says so. A bare weight rather
 * than a Linear, as in transformers 5, so "all-linear" adapter targets leave it alone.
 */
export class MoeRouter extends Module {
  readonly weight: Parameter;

  constructor(
    hidden: number,
    private readonly moe: MoeConfig,
    build: BuildOptions,
  ) {
    super();
    const shape = [moe.experts, hidden];
    this.weight = this.param('weight', new Parameter(build.empty ? init.fill(shape, 0, build.dtype) : init.kaimingUniform(shape, hidden, build.rng, build.dtype)));
  }

  /** x: [N, H] → the routing of each of the N tokens. */
  forward(x: Tensor): Routing {
    const logits = x.matmul(this.t(this.weight).mT);
    const [top, experts] = logits.float().softmax(-1).topk(this.moe.topK, -1);
    const weights = this.moe.normTopKProb ? top.div(top.sum(-1, true)) : top;
    return { logits, weights, experts };
  }
}
