import { Tensor } from '../tensor/tensor.js';

/** Sums a broadcast gradient back down to `shape` (the inverse of numpy broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.join() === shape.join()) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, k) => {
    if (k < lead || (shape[k - lead] === 1 && d !== 1)) axes.push(k);
  });
  const summed = axes.length ? g.sum(axes, true) : g;
  return summed.reshape([...shape]);
}

/** Broadcasts a reduced gradient back over the reduced axes of `shape`. */
export function unreduce(g: Tensor, shape: readonly number[], axes: readonly number[], keepdim: boolean): Tensor {
  const all = axes.length ? new Set(axes) : new Set(shape.map((_, k) => k));
  const kept = keepdim ? g : g.reshape(shape.map((d, k) => (all.has(k) ? 1 : d)));
  return kept.expand([...shape]);
}

/** A zero tensor made at run time (a broadcast scalar), so no large constant enters the program. */
export function zeros(shape: readonly number[], like: Tensor): Tensor {
  const z = Tensor.scalar(0).cast(like.dtype);
  return shape.length ? z.reshape(shape.map(() => 1)).expand([...shape]) : z;
}

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, k) => (inv[p] = k));
  return inv;
}

/** Elements reduced into each output element of a reduction over `axes` (all when empty). */
export function reducedCount(shape: readonly number[], axes: readonly number[]): number {
  return (axes.length ? axes : shape.map((_, k) => k)).reduce((p, a) => p * shape[a], 1);
}
