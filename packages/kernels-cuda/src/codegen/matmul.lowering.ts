import { type DType, Node, numel } from '@tunekit/core';
import type { GemmStep } from '../plan/kernel-plan.types.js';
import { type LowerContext, fusedKernel } from './generated.kernels.js';
import type { PlanBuilder } from './plan-builder.js';

type GemmShape = Pick<GemmStep, 'a' | 'b' | 'c' | 'm' | 'n' | 'k' | 'batch' | 'transA' | 'transB' | 'strideA' | 'strideB' | 'strideC'>;

/** cuBLASLt accumulates in f32 for every float storage type (bf16 and f16 inputs included). */
export function gemm(builder: PlanBuilder, label: string, g: GemmShape): void {
  builder.steps.push({ kind: 'gemm', label, ...g, alpha: 1, beta: 0, computeType: 'f32', reads: [...new Set([g.a, g.b])], writes: [g.c] });
}

/** permute(x) that swaps the last two axes and keeps the rest: a transposed gemm operand, no copy. */
export function isLastTwoSwap(node: Node): boolean {
  if (node.op !== 'permute') return false;
  const { perm } = node.attrs as { perm: number[] };
  const r = perm.length;
  return r >= 2 && perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, r - 2).every((p, i) => p === i);
}

interface Operand {
  /** The node whose buffer the gemm reads (the permute's input for a transposed operand). */
  stored: Node;
  trans: boolean;
}

/** How the matmul reads an input: a last-two-axes permute the planner absorbed becomes a transpose flag. */
export function operandOf(x: Node, absorbed: (n: Node) => boolean): Operand {
  return absorbed(x) ? { stored: x.inputs[0], trans: true } : { stored: x, trans: false };
}

/**
 * A (batched, broadcast) matmul as one gemm. Batch dims that one side lacks or has as 1 are a
 * zero stride; a partial broadcast (e.g. [2, 1] against [1, 3]) is expanded to the full batch by a
 * copy kernel first, since one stride cannot express it. When B is shared by every batch, A's
 * batch folds into M (one large gemm instead of many small ones).
 */
export function matmulLowering(ctx: LowerContext, node: Node, label: string, absorbed: (n: Node) => boolean): void {
  const { builder } = ctx;
  const [x, y] = node.inputs;
  const m = node.shape[node.rank - 2];
  const n = node.shape[node.rank - 1];
  const k = x.shape[x.rank - 1];
  const batchShape = node.shape.slice(0, -2);
  const batch = numel(batchShape);
  const side = (input: Node, rows: number, cols: number, which: string): { buffer: number; stride: number; trans: boolean; full: boolean } => {
    const op = operandOf(input, absorbed);
    const own = input.shape.slice(0, -2);
    const ownBatch = numel(own);
    if (ownBatch === 1) return { buffer: builder.bufferOf(op.stored), stride: 0, trans: op.trans, full: batch === 1 };
    const padded = [...Array(batchShape.length - own.length).fill(1), ...own];
    if (padded.every((d, i) => d === batchShape[i])) return { buffer: builder.bufferOf(op.stored), stride: rows * cols, trans: op.trans, full: true };
    const stored = op.stored;
    const tail = stored.shape.slice(-2);
    const expanded = new Node('expand', [stored], { shape: [...padded.map((_, i) => batchShape[i]), ...tail] }, [...batchShape, ...tail], stored.dtype as DType);
    fusedKernel({ ...ctx, inlined: (nd) => nd !== stored && ctx.inlined(nd) }, expanded, `${label}.expand_${which}`);
    return { buffer: builder.bufferOf(expanded), stride: rows * cols, trans: op.trans, full: true };
  };
  const a = side(x, m, k, 'a');
  const b = side(y, k, n, 'b');
  const c = builder.bufferFor(node);
  if (b.stride === 0 && a.full && !a.trans && batch > 1) {
    gemm(builder, label, { a: a.buffer, b: b.buffer, c, m: m * batch, n, k, batch: 1, transA: false, transB: b.trans, strideA: 0, strideB: 0, strideC: 0 });
    return;
  }
  gemm(builder, label, { a: a.buffer, b: b.buffer, c, m, n, k, batch, transA: a.trans, transB: b.trans, strideA: a.stride, strideB: b.stride, strideC: m * n });
}
