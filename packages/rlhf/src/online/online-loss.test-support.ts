import { HostTensor, ReferenceExecutor, Tensor } from '@tunekit/core';

/** A fixed [rows, cols] (or [n]) f32 constant from nested arrays. */
export function constant(values: readonly number[] | readonly (readonly number[])[]): Tensor {
  const rows = values as readonly (number | readonly number[])[];
  const nested = Array.isArray(rows[0]);
  const flat = nested ? (rows as readonly (readonly number[])[]).flat() : (rows as readonly number[]);
  const shape = nested ? [rows.length, (rows[0] as readonly number[]).length] : [rows.length];
  return Tensor.constant(HostTensor.f32(shape, flat));
}

/** Values of lazy tensors, run in float64 on the reference executor. */
export function evaluate(...tensors: Tensor[]): number[] {
  return new ReferenceExecutor({ precision: 'f64' })
    .compile(tensors)
    .runValues({})
    .map((t) => t.data[0] as number);
}
