import { type DType, fromFloat32 } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';

let nextParameterId = 0;

/**
 * A named, host-resident tensor that enters traced graphs as a bound input. Executors read
 * `value.data` at run time (no copy), so an optimizer that updates it in place is seen by the next run.
 */
export class Parameter {
  readonly id = nextParameterId++;
  /** Hugging Face style dotted name, set when the parameter is registered on a module. */
  name = '';
  /** Accumulated gradient in f32; null until a backward run writes one. */
  grad: Float32Array | null = null;

  constructor(
    public value: HostTensor,
    public requiresGrad = true,
  ) {}

  static fromValues(shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'f32', requiresGrad = true): Parameter {
    return new Parameter(new HostTensor(dtype, shape, fromFloat32(dtype, values)), requiresGrad);
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get dtype(): DType {
    return this.value.dtype;
  }

  get size(): number {
    return this.value.size;
  }

  /** Replaces the data (same shape), e.g. when loading a checkpoint or casting storage. */
  assign(value: HostTensor): void {
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `parameter ${this.name || `#${this.id}`}: cannot assign shape [${value.shape.join(', ')}] to [${this.shape.join(', ')}]`,
      );
    }
    this.value = value;
  }

  zeroGrad(): void {
    this.grad = null;
  }
}
