import { BaseOptimizer, type ParamStateRecord, mergeHyper } from './optimizer.base.js';
import type { BaseHyperParams, OptimizerParams, ResolvedParamGroup } from './optimizer.interface.js';

export interface SGDHyperParams extends BaseHyperParams {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

export type SGDOptions = Partial<SGDHyperParams>;

/** torch.optim.SGD defaults. */
export const SGD_DEFAULTS: Readonly<SGDHyperParams> = Object.freeze({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });

interface SGDParamState {
  /** Null until the first step with momentum, as torch's `momentum_buffer` is None. */
  momentumBuffer: Float32Array | null;
}

/**
 * torch.optim.SGD (maximize=False):
 *
 *   d = g + wd*p                       (coupled L2 decay, only when wd != 0)
 *   buf = d on the first step, else momentum*buf + (1-dampening)*d
 *   d = nesterov ? d + momentum*buf : buf          (only when momentum != 0)
 *   p -= lr*d
 */
export class SGD extends BaseOptimizer<SGDHyperParams, SGDParamState> {
  constructor(params: OptimizerParams<SGDHyperParams>, options: SGDOptions = {}) {
    super('sgd', params, mergeHyper<SGDHyperParams>({ ...SGD_DEFAULTS }, options, 'sgd'));
  }

  protected validateHyper(h: SGDHyperParams, where: string): void {
    const problems = [
      [!(h.lr >= 0), `invalid learning rate ${h.lr}`],
      [!(h.momentum >= 0), `invalid momentum value ${h.momentum}`],
      [!(h.weightDecay >= 0), `invalid weight_decay value ${h.weightDecay}`],
      [h.nesterov && (h.momentum <= 0 || h.dampening !== 0), 'nesterov momentum requires a momentum and zero dampening'],
    ] as const;
    for (const [bad, message] of problems) if (bad) throw new Error(`${where}: ${message}`);
  }

  protected initState(): SGDParamState {
    return { momentumBuffer: null };
  }

  protected update(p: Float32Array, grad: Float32Array, group: ResolvedParamGroup<SGDHyperParams>, state: SGDParamState): void {
    const { lr, weightDecay: wd, momentum, dampening, nesterov } = group;
    const n = p.length;
    if (momentum === 0) {
      for (let i = 0; i < n; i++) p[i] -= lr * (wd === 0 ? grad[i] : grad[i] + wd * p[i]);
      return;
    }
    // A zero buffer with (keep 0, take 1) makes the first step `buf = d` exactly, without a branch in the loop.
    const first = state.momentumBuffer === null;
    const buf = (state.momentumBuffer ??= new Float32Array(n));
    const keep = first ? 0 : momentum;
    const take = first ? 1 : 1 - dampening;
    if (nesterov) {
      for (let i = 0; i < n; i++) {
        const d = wd === 0 ? grad[i] : grad[i] + wd * p[i];
        buf[i] = buf[i] * keep + take * d;
        p[i] -= lr * (d + momentum * buf[i]);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const d = wd === 0 ? grad[i] : grad[i] + wd * p[i];
        buf[i] = buf[i] * keep + take * d;
        p[i] -= lr * buf[i];
      }
    }
  }

  protected exportState(s: SGDParamState): ParamStateRecord {
    return { scalars: {}, buffers: s.momentumBuffer ? { momentum_buffer: s.momentumBuffer } : {} };
  }

  protected importState({ buffers }: ParamStateRecord): SGDParamState {
    return { momentumBuffer: buffers.momentum_buffer ?? null };
  }
}
