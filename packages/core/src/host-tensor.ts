import { type DType, type Storage, allocStorage, numel, toFloat32 } from './dtype.js';

/** Concrete data on the host: what parameters hold, what programs take as feeds and return. */
export class HostTensor<D extends DType = DType> {
  constructor(
    readonly dtype: D,
    readonly shape: readonly number[],
    readonly data: Storage<D>,
  ) {
    if (data.length !== numel(shape)) {
      throw new Error(`HostTensor: ${dtype}[${shape.join(', ')}] needs ${numel(shape)} elements, got ${data.length}`);
    }
  }

  static zeros<D extends DType>(dtype: D, shape: readonly number[]): HostTensor<D> {
    return new HostTensor(dtype, shape, allocStorage(dtype, numel(shape)));
  }

  static f32(shape: readonly number[], values?: ArrayLike<number>): HostTensor<'f32'> {
    const data = values ? Float32Array.from(values) : new Float32Array(numel(shape));
    return new HostTensor('f32', shape, data);
  }

  static i64(shape: readonly number[], values: ArrayLike<number> | ArrayLike<bigint>): HostTensor<'i64'> {
    const data = new BigInt64Array(numel(shape));
    for (let i = 0; i < data.length; i++) data[i] = BigInt(values[i] as number | bigint);
    return new HostTensor('i64', shape, data);
  }

  static scalar(value: number): HostTensor<'f32'> {
    return new HostTensor('f32', [], Float32Array.of(value));
  }

  get size(): number {
    return this.data.length;
  }

  get byteLength(): number {
    return this.data.byteLength;
  }

  /** Values widened to f32 (a view when already f32). */
  toFloat32(): Float32Array {
    return toFloat32(this.dtype, this.data);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements, not 1`);
    return this.toFloat32()[0];
  }
}
