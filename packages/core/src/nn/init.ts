import type { DType } from '../dtype.js';
import { fromFloat32 } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { numel } from '../dtype.js';
import { Rng } from '../random/rng.js';

/** Initialisers with PyTorch's formulas, drawn from a seeded Rng so a seed fixes every weight. */
export const init = {
  uniform(shape: readonly number[], bound: number, rng: Rng, dtype: DType = 'f32'): HostTensor {
    const v = new Float32Array(numel(shape));
    for (let i = 0; i < v.length; i++) v[i] = (rng.uniform() * 2 - 1) * bound;
    return new HostTensor(dtype, shape, fromFloat32(dtype, v));
  },

  normal(shape: readonly number[], std: number, rng: Rng, dtype: DType = 'f32'): HostTensor {
    const v = new Float32Array(numel(shape));
    for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
    return new HostTensor(dtype, shape, fromFloat32(dtype, v));
  },

  /** torch.nn.init.kaiming_uniform_(a=√5), Linear's default: bound = 1/√fan_in. */
  kaimingUniform(shape: readonly number[], fanIn: number, rng: Rng, dtype: DType = 'f32'): HostTensor {
    return init.uniform(shape, 1 / Math.sqrt(fanIn), rng, dtype);
  },

  fill(shape: readonly number[], value: number, dtype: DType = 'f32'): HostTensor {
    // Fresh typed arrays are already zero, and a large one is mapped lazily by the OS: leaving it
    // unwritten keeps an `empty` model's untouched weights from costing resident memory.
    if (value === 0) return HostTensor.zeros(dtype, shape);
    return new HostTensor(dtype, shape, fromFloat32(dtype, new Float32Array(numel(shape)).fill(value)));
  },
};

/** Where new modules draw their weights from unless given an Rng. */
let defaultRng = new Rng(0);
export function manualSeed(seed: number): void {
  defaultRng = new Rng(seed);
}
export function globalRng(): Rng {
  return defaultRng;
}
