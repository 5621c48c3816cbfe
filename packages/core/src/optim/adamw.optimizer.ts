import { BaseOptimizer, type ParamStateRecord, mergeHyper } from './optimizer.base.js';
import type { BaseHyperParams, OptimizerParams, ResolvedParamGroup } from './optimizer.interface.js';

export { decayGroups } from './decay-groups.js';

export interface AdamWHyperParams extends BaseHyperParams {
  betas: readonly [number, number];
  eps: number;
}

export type AdamWOptions = Partial<AdamWHyperParams>;

/** torch.optim.AdamW defaults. */
export const ADAMW_DEFAULTS: Readonly<AdamWHyperParams> = Object.freeze({ lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 1e-2 });

interface AdamWParamState {
  /** Per-parameter step, as in torch: a parameter skipped (null grad) keeps its own bias correction. */
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
}

/**
 * torch.optim.AdamW (amsgrad=False, maximize=False), following the non-fused single-tensor path:
 *
 *   p *= 1 - lr*wd                                  (decoupled decay, before the Adam update)
 *   m  = lerp(m, g, 1-b1);  v = b2*v + (1-b2)*g^2
 *   denom = sqrt(v)/sqrt(1-b2^t) + eps;  p -= (lr/(1-b1^t)) * m/denom
 *
 * All state is f32. bf16/f16 parameters are updated through an f32 master copy (see MasterCopy) that is saved in
 * the state dict, so a resumed run continues bit-identically.
 */
export class AdamW extends BaseOptimizer<AdamWHyperParams, AdamWParamState> {
  constructor(params: OptimizerParams<AdamWHyperParams>, options: AdamWOptions = {}) {
    super('adamw', params, mergeHyper<AdamWHyperParams>({ ...ADAMW_DEFAULTS }, options, 'adamw'));
  }

  protected validateHyper(h: AdamWHyperParams, where: string): void {
    const [b1, b2] = h.betas;
    const problems = [
      [!(h.lr >= 0), `invalid learning rate ${h.lr}`],
      [!(h.eps >= 0), `invalid epsilon ${h.eps}`],
      [!(b1 >= 0 && b1 < 1), `invalid beta parameter at index 0: ${b1}`],
      [!(b2 >= 0 && b2 < 1), `invalid beta parameter at index 1: ${b2}`],
      [!(h.weightDecay >= 0), `invalid weight_decay value ${h.weightDecay}`],
    ] as const;
    for (const [bad, message] of problems) if (bad) throw new Error(`${where}: ${message}`);
  }

  protected initState(size: number): AdamWParamState {
    return { step: 0, expAvg: new Float32Array(size), expAvgSq: new Float32Array(size) };
  }

  protected update(p: Float32Array, grad: Float32Array, group: ResolvedParamGroup<AdamWHyperParams>, state: AdamWParamState): void {
    const step = ++state.step;
    const { lr, eps } = group;
    const [beta1, beta2] = group.betas;
    const decay = 1 - lr * group.weightDecay;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const w1 = 1 - beta1;
    const w2 = 1 - beta2;
    const m = state.expAvg;
    const v = state.expAvgSq;
    const n = p.length;
    // Each state value is stored (rounded to f32) before it is read back, mirroring torch's separate in-place ops.
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      m[i] += w1 * (g - m[i]); // torch's lerp for weight < 0.5
      v[i] = v[i] * beta2 + w2 * g * g;
      p[i] *= decay;
      p[i] -= stepSize * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + eps)); // addcdiv: p + value * (m / denom)
    }
  }

  protected exportState(s: AdamWParamState): ParamStateRecord {
    return { scalars: { step: s.step }, buffers: { exp_avg: s.expAvg, exp_avg_sq: s.expAvgSq } };
  }

  protected importState({ scalars, buffers }: ParamStateRecord, _size: number, name: string): AdamWParamState {
    const { step } = scalars;
    const { exp_avg: expAvg, exp_avg_sq: expAvgSq } = buffers;
    if (!Number.isInteger(step) || step < 0 || !expAvg || !expAvgSq) {
      throw new Error(`adamw.loadStateDict: state of ${name} needs an integer step, exp_avg and exp_avg_sq`);
    }
    return { step, expAvg, expAvgSq };
  }
}
