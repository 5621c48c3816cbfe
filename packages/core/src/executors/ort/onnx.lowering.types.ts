import type { DType } from '../../dtype.js';
import type { Node } from '../../ir/node.js';
import type { Op } from '../../ir/ops.js';
import type { OnnxBuilder } from './onnx.builder.js';

/**
 * Composites lowered through their IR decomposition rather than one ONNX op: the backward pass
 * recomputes exactly these decompositions, so emitting the same primitives lets ORT's common
 * subexpression elimination share the forward work with the backward graph.
 */
export const DECOMPOSED = ['rotary', 'attention', 'cross_entropy'] as const;
export type DecomposedOp = (typeof DECOMPOSED)[number];
export type LoweredOp = Exclude<Op, DecomposedOp>;

/** Emits the ONNX nodes of one IR node, given its inputs' value names; returns its value name. */
export type Lowering<O extends Op> = (b: OnnxBuilder, node: Node<O>, x: readonly string[]) => string;

export type LoweringTable<O extends Op> = { [K in O]: Lowering<K> };

/**
 * Runs `emit` on the inputs cast to `via` when ORT's CPU kernel lacks `dtype`, and casts its
 * result back (unless the op yields bool regardless of its input type).
 */
export function viaType(
  b: OnnxBuilder,
  dtype: DType,
  lacking: readonly DType[],
  via: DType,
  x: readonly string[],
  emit: (x: readonly string[]) => string,
  castBack = true,
): string {
  if (!lacking.includes(dtype)) return emit(x);
  const y = emit(x.map((v) => b.cast(v, dtype, via)));
  return castBack ? b.cast(y, via, dtype) : y;
}
