import { HostTensor, Linear, type Module, type Parameter, type Tensor, fromFloat32 } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { transpose } from './host-math.js';

/**
 * A frozen layer of another kind that a method can wrap (QLoRA's 4-bit linear): it computes
 * x·Wᵀ + b and shows its weight as [out, in], traced and on the host. Without
 * `setHostWeightOutIn` its weight cannot change: nothing can be merged into it.
 */
export interface CustomBaseLayer extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: Parameter | null;
  forward(x: Tensor): Tensor;
  weightOutIn(): Tensor;
  hostWeightOutIn(): Float64Array;
  setHostWeightOutIn?(w: Float64Array): void;
}

export function isCustomBaseLayer(m: Module): m is CustomBaseLayer {
  const c = m as unknown as Partial<Record<keyof CustomBaseLayer, unknown>>;
  return typeof c.weightOutIn === 'function' && typeof c.hostWeightOutIn === 'function' && typeof c.inFeatures === 'number';
}

/** Layers whose weight a method can read on the host: nn.Linear ([out, in]), GPT-2's Conv1D ([in, out]), or a custom base. */
export type WeightedBase = Linear | Conv1D | CustomBaseLayer;

export const isWeightedBase = (m: Module): m is WeightedBase => m instanceof Linear || m instanceof Conv1D || isCustomBaseLayer(m);

/** The base weight as float64 [out, in], whatever its storage layout and dtype. */
export function hostWeightOutIn(base: WeightedBase): Float64Array {
  if (isCustomBaseLayer(base)) return base.hostWeightOutIn();
  const w = Float64Array.from(base.weight.value.toFloat32());
  return base instanceof Conv1D ? transpose(w, base.inFeatures, base.outFeatures) : w;
}

/** Stores a float64 [out, in] weight back in the base's own layout and dtype (merges, PiSSA). */
export function setHostWeightOutIn(base: WeightedBase, w: Float64Array): void {
  if (isCustomBaseLayer(base)) {
    if (!base.setHostWeightOutIn) {
      throw new Error(`${base.constructor.name} weights cannot be changed in place (merge or PiSSA): dequantize to a 16/32-bit model first`);
    }
    base.setHostWeightOutIn(w);
    return;
  }
  assignValues(base.weight, base instanceof Conv1D ? transpose(w, base.outFeatures, base.inFeatures) : w);
}

/** Overwrites a parameter's values (same shape), keeping its dtype. */
export function assignValues(p: Parameter, values: ArrayLike<number>): void {
  p.assign(new HostTensor(p.dtype, p.shape, fromFloat32(p.dtype, values)));
}
