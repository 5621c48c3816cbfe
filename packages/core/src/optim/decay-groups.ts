import type { Parameter } from '../ir/parameter.js';
import type { ParamGroup } from './optimizer.interface.js';

/**
 * Name patterns (matched on the lower-cased name) of parameters that HF Trainer excludes from weight decay:
 * biases and normalization weights. Decaying them only pulls scale/shift parameters toward zero for no
 * regularization benefit.
 */
const NO_DECAY_PATTERNS: readonly RegExp[] = [/(^|\.)bias$/, /norm/, /ln_/];

export const isNoDecayName = (name: string): boolean => NO_DECAY_PATTERNS.some((re) => re.test(name.toLowerCase()));

/**
 * Splits trainable parameters into `[decay, noDecay]` groups the way HF Trainer's `create_optimizer` does:
 * `{ params: decay, weightDecay }` and `{ params: noDecay, weightDecay: 0 }`. Frozen parameters are left out.
 * Both groups are always returned (one may be empty) so that checkpoints keep a fixed group layout.
 */
export function decayGroups(namedParams: Iterable<readonly [string, Parameter]>, weightDecay: number): ParamGroup[] {
  const decay: Parameter[] = [];
  const noDecay: Parameter[] = [];
  for (const [name, param] of namedParams) {
    if (!param.requiresGrad) continue;
    (isNoDecayName(name) ? noDecay : decay).push(param);
  }
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ];
}
