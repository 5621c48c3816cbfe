import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

export type ActivationFn = (x: Tensor) => Tensor;

/** Activations by their Hugging Face config names (`hidden_act`, `activation_function`). */
export const ACT2FN: Record<string, ActivationFn> = {
  silu: (x) => x.silu(),
  swish: (x) => x.silu(),
  relu: (x) => x.relu(),
  tanh: (x) => x.tanh(),
  sigmoid: (x) => x.sigmoid(),
  gelu: (x) => x.gelu('none'),
  gelu_new: (x) => x.gelu('tanh'),
  gelu_pytorch_tanh: (x) => x.gelu('tanh'),
  gelu_fast: (x) => x.gelu('tanh'),
};

export function activation(name: string): ActivationFn {
  const fn = ACT2FN[name];
  if (!fn) throw new Error(`unknown activation "${name}"; known: ${Object.keys(ACT2FN).join(', ')}`);
  return fn;
}

/** An activation as a module, for use inside module trees. */
export class Activation extends Module {
  private readonly fn: ActivationFn;

  constructor(readonly kind: string) {
    super();
    this.fn = activation(kind);
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}
