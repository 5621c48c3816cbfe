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
 * transformers gathers each expert's tokens, a split whose sizes are known only at run time; the IR
 * compiles whole programs with static shapes, once per shape and not once per batch, so two exact
 * static forms are used instead, chosen by the token count N when tracing:
 * - few tokens (N·k ≤ E, i.e. decoding): each token's k experts' weights are gathered and applied
 *   to it alone, so a step reads N·k experts' weights rather than all E;
 * - otherwise (prefill, training): every token goes through every expert in one batched matmul and
 *   the outputs are mixed by a [N, E] weight matrix that is zero outside each token's top k. That
 *   costs E/k times the expert FLOPs of a sparse form (4× for Mixtral's top 2 of 8, 16× for
 *   Qwen3-30B-A3B's top 8 of 128) in exchange for a few large GEMMs instead of E small ones.
 * Both give the router and every expert the sparse form's gradients (zero for unchosen experts).
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
    return x.dim(0) * this.moe.topK <= this.moe.experts ? this.gathered(x, routing) : this.dense(x, routing);
  }

  /** SwiGLU of `gateUp` [..., 2I, N'] along its second-to-last axis, then the down projection. */
  private swiglu(gateUp: Tensor, down: Tensor): Tensor {
    const i = this.moe.expertIntermediate;
    const [gate, up] = gateUp.split([i, i], -2);
    return down.matmul(this.act(gate).mul(up));
  }

  private gathered(x: Tensor, { experts, weights }: Routing): Tensor {
    const [n, h] = x.shape;
    const k = this.moe.topK;
    const chosen = experts.reshape([n * k]);
    const rows = x.unsqueeze(1).expand([n, k, h]).reshape([n * k, h, 1]);
    // Gathered before widening to f32, so a 16-bit model reads and converts only the chosen experts.
    const pick = (p: Parameter) => T.param(p).gather(0, chosen).float();
    const gateUp = pick(this.gate_up_proj).matmul(rows); // [N·k, 2I, 1]
    const y = this.swiglu(gateUp, pick(this.down_proj)).reshape([n, k, h]);
    return y.mul(weights.unsqueeze(-1)).sum(1);
  }

  private dense(x: Tensor, { experts, weights }: Routing): Tensor {
    // Weights on the left keep both 3-D weights untransposed: [E, 2I, H]·[H, N] → [E, 2I, N].
    const y = this.swiglu(this.t(this.gate_up_proj).matmul(x.mT), this.t(this.down_proj)); // [E, H, N]
    const mix = T.scalar(0).reshape([1, 1]).expand([x.dim(0), this.moe.experts]).scatterAdd(1, experts, weights); // [N, E]
    return y.mul(mix.mT.unsqueeze(1)).sum(0).mT; // [H, N] → [N, H]
  }
}
