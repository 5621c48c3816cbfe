import { HostTensor, LayerNorm, Module, Parameter, RMSNorm, type Tensor, fromFloat32, init } from '@tunekit/core';

/** A norm with a learned per-channel scale on its output: `norm(x) * (1 + scale)`, scale starting at 0. */
export class ScaledNorm extends Module {
  readonly scale: Parameter;
  /** Off: the wrapped norm alone (the base model), for `disableAdapter`. */
  disabled = false;

  constructor(readonly base: RMSNorm | LayerNorm) {
    super();
    this.module('base', base);
    // Zero: the adapted model starts as the base model, as LoRA's zero B does.
    this.scale = this.param('norm_scale', new Parameter(init.fill([base.dim], 0, 'f32')));
  }

  forward(x: Tensor): Tensor {
    const y = this.base.call(x);
    return this.disabled ? y : y.mul(this.t(this.scale).add(1));
  }

  /** Folds the scale into the norm's own weight (and bias), so the base norm alone computes the same. */
  merge(): RMSNorm | LayerNorm {
    const factor = this.scale.value.toFloat32().map((s) => 1 + s);
    const scaled = [this.base.weight, ...(this.base instanceof LayerNorm ? [this.base.bias] : [])];
    for (const p of scaled) {
      const v = p.value.toFloat32().map((w, i) => w * factor[i]);
      p.assign(new HostTensor(p.dtype, p.shape, fromFloat32(p.dtype, v)));
    }
    return this.base;
  }
}
