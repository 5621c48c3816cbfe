import { Module, Parameter, type Tensor, type ActivationFn, Tensor as T, activation, init } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { MoeConfig } from '../config/moe-config.js';
import type { BuildOptions } from './build-options.js';
import type { Routing } from './moe.router.js';

/**
 * Every expert's SwiGLU MLP as two 3-D weights, transformers 5's layout (`mlp.experts.gate_up_proj`
 * [E, 2I, H], gate rows first, and `mlp.experts.down_proj` [E, H, I]); checkpoints with one tensor
 * per expert are packed into these when loading (see `loading/expert-keys.ts`).
 *
 * The formulation is dense: every token goes through every expert in one batched matmul, and the
 * outputs are mixed with a [N, E] weight matrix that is zero outside each token's top k. Gathering
 * each expert's tokens (what transformers does) needs per-expert token counts known only at run
 * time, and the IR compiles whole programs with static shapes, once per shape, not once per batch.
 * The dense form computes E/k times the expert FLOPs of a sparse one but is exact, gives every
 * weight and the router the same gradients as the sparse form (zero for unchosen experts) and
 * keeps one compiled program per shape; at small E (Mixtral's 8, top 2) that costs 4×, at
 * Qwen3-30B-A3B's 128 experts (top 8) 16×, so such models should be run with fewer experts on CPU.
 */
export class MoeExperts extends Module {
  readonly gate_up_proj: Parameter;
  readonly down_proj: Parameter;
  private readonly act: ActivationFn;

  constructor(
    config: ModelConfig,
    private readonly moe: MoeConfig,
    build: BuildOptions,
  ) {
    super();
    const { experts: e, expertIntermediate: i } = moe;
    const h = config.hidden;
    const draw = (shape: number[], fanIn: number) => (build.empty ? init.fill(shape, 0, build.dtype) : init.kaimingUniform(shape, fanIn, build.rng, build.dtype));
    this.gate_up_proj = this.param('gate_up_proj', new Parameter(draw([e, 2 * i, h], h)));
    this.down_proj = this.param('down_proj', new Parameter(draw([e, h, i], i)));
    this.act = activation(config.hiddenAct);
  }

  /** x: [N, H] → Σ over the chosen experts of weight · expert(x), [N, H]. */
  forward(x: Tensor, routing: Routing): Tensor {
    const i = this.moe.expertIntermediate;
    // Weights on the left keep both 3-D weights untransposed: [E, 2I, H]·[H, N] → [E, 2I, N].
    const gateUp = this.t(this.gate_up_proj).matmul(x.mT);
    const [gate, up] = gateUp.split([i, i], 1);
    const y = this.t(this.down_proj).matmul(this.act(gate).mul(up)); // [E, H, N]
    const n = x.dim(0);
    const mix = T.scalar(0).reshape([1, 1]).expand([n, this.moe.experts]).scatterAdd(1, routing.experts, routing.weights); // [N, E]
    return y.mul(mix.mT.unsqueeze(1)).sum(0).mT; // [H, N] → [N, H]
  }
}
