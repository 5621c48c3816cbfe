import type { Node } from '../../ir/node.js';
import type { CompositeOp, Op } from '../../ir/ops.js';
import { ELEMENTWISE_KERNELS } from './reference.elementwise.js';
import { INDEXING_KERNELS } from './reference.indexing.js';
import { MOVEMENT_KERNELS } from './reference.movement.js';
import { REDUCE_KERNELS } from './reference.reduce.js';
import type { Precision, RefValue } from './reference.values.js';

/** Ops with a kernel: leaves are read by the executor, composites run as their decompositions. */
export type PrimitiveOp = Exclude<Op, CompositeOp | 'input' | 'param' | 'const'>;

/**
 * Computes one node from its input values. The output shape and dtype are the node's (from the
 * shape rules); kernels never modify their inputs and always return fresh storage.
 */
export type Kernel<O extends Op> = (inputs: RefValue[], node: Node<O>, precision: Precision) => RefValue;

/** One kernel per primitive op; a new op in `ops.ts` fails to compile here until it has one. */
export const KERNELS: { [O in PrimitiveOp]: Kernel<O> } = {
  ...ELEMENTWISE_KERNELS,
  ...MOVEMENT_KERNELS,
  ...INDEXING_KERNELS,
  ...REDUCE_KERNELS,
};

export function runKernel(node: Node, inputs: RefValue[], precision: Precision): RefValue {
  const kernel = KERNELS[node.op as PrimitiveOp] as Kernel<Op> | undefined;
  if (!kernel) throw new Error(`reference executor: no kernel for op "${node.op}"`);
  return kernel(inputs, node, precision);
}
