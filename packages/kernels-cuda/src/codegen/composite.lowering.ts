import { type Node, type OpAttrs, contiguousStrides, numel } from '@tunekit/core';
import { ATTN_BR, attentionFwdSource } from '../kernels/attention.kernel.js';
import { crossEntropyFwdSource, crossEntropyReduceSource } from '../kernels/cross-entropy.kernel.js';
import { dequant4Source } from '../kernels/dequant4.kernel.js';
import { type KernelDType, rowBlock } from '../kernels/kernel-source.js';
import { layerNormFwdSource, rmsNormFwdSource } from '../kernels/norm.kernel.js';
import { rotarySource } from '../kernels/rotary.kernel.js';
import { softmaxSource } from '../kernels/softmax.kernel.js';
import { type LowerContext, blockFor, gridFor } from './generated.kernels.js';
import { gemm } from './matmul.lowering.js';
import type { KernelArg } from '../plan/kernel-plan.types.js';
import { NULL_POINTER, bufferArg, f32Arg, i32Arg, i64Arg } from './plan-builder.js';

const floatDtype = (n: Node): KernelDType | null => (n.dtype === 'f32' || n.dtype === 'bf16' || n.dtype === 'f16' ? n.dtype : null);
const last = (shape: readonly number[]): number => shape[shape.length - 1];
/** Broadcast strides of `shape` against a rank-`rank` output (0 on size-1 and missing axes). */
function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const own = contiguousStrides(shape);
  const lead = rank - shape.length;
  return Array.from({ length: rank }, (_, k) => (k < lead || shape[k - lead] === 1 ? 0 : own[k - lead]));
}
const sameDtypes = (n: Node, count: number): boolean => n.inputs.slice(0, count).every((x) => x.dtype === n.dtype);

/** Largest head size the attention kernels take (per-thread arrays of D floats). */
export const MAX_ATTENTION_D = 256;

/**
 * Which composite nodes the hand-written kernels take. The rest are replaced by core's
 * decomposition before planning (so every composite runs; these just run fused).
 */
export const HAND_WRITTEN: Record<string, (n: Node) => boolean> = {
  rms_norm: (n) => floatDtype(n) !== null && sameDtypes(n, 2) && n.inputs[1].shape.length === 1 && n.inputs[1].shape[0] === last(n.shape),
  layer_norm: (n) => floatDtype(n) !== null && sameDtypes(n, 3) && n.inputs.slice(1).every((x) => x.shape.length === 1 && x.shape[0] === last(n.shape)),
  rotary: (n) => floatDtype(n) !== null && sameDtypes(n, 3) && n.shape.length === 4 && last(n.shape) % 2 === 0 && n.inputs.slice(1).every((x) => x.shape.length <= 4 && x.shape.every((d, k) => d === 1 || d === n.shape[k + 4 - x.shape.length])),
  attention: (n) => floatDtype(n) !== null && sameDtypes(n, 3) && last(n.shape) <= MAX_ATTENTION_D && (n.inputs.length < 4 || n.inputs[3].dtype === 'bool'),
  cross_entropy: (n) => floatDtype(n) !== null && n.inputs[1].dtype === 'i64',
  matmul_4bit: (n) => floatDtype(n) !== null && n.inputs[1].dtype === 'u8' && n.inputs[2].dtype === 'f32' && n.inputs[1].shape[0] * 2 >= numel([(n.attrs as OpAttrs<'matmul_4bit'>).n, (n.attrs as OpAttrs<'matmul_4bit'>).k]),
};

type Lower = (ctx: LowerContext, node: Node, label: string) => void;

function rowKernel(ctx: LowerContext, node: Node, label: string, k: { entry: string; source: string }, inputs: number, extra: (rows: number, len: number) => KernelArg[]): number {
  const { builder } = ctx;
  const len = last(node.shape);
  const rows = numel(node.shape) / len;
  const out = builder.bufferFor(node);
  const args = [...node.inputs.slice(0, inputs).map((x) => bufferArg(builder.bufferOf(x))), bufferArg(out), ...extra(rows, len)];
  builder.kernel({ label, source: k.source, entry: k.entry, grid: [rows, 1, 1], block: [rowBlock(len), 1, 1], sharedBytes: 0, args }, [out]);
  return out;
}

export const COMPOSITE_LOWERINGS: Record<'softmax' | 'log_softmax' | 'rms_norm' | 'layer_norm' | 'rotary' | 'attention' | 'cross_entropy' | 'matmul_4bit', Lower> = {
  softmax: (ctx, node, label) => softmaxLowering(ctx, node, label, false),
  log_softmax: (ctx, node, label) => softmaxLowering(ctx, node, label, true),

  rms_norm: (ctx, node, label) =>
    // No rstd buffer (i64 0 is a null pointer): the backward here is core's rule, not the fused kernel.
    rowKernel(ctx, node, label, rmsNormFwdSource(floatDtype(node)!), 2, (_, len) => [NULL_POINTER, i64Arg(len), f32Arg((node.attrs as OpAttrs<'rms_norm'>).eps)]),
  layer_norm: (ctx, node, label) => rowKernel(ctx, node, label, layerNormFwdSource(floatDtype(node)!), 3, (_, len) => [i64Arg(len), f32Arg((node.attrs as OpAttrs<'layer_norm'>).eps)]),

  rotary: (ctx, node, label) => {
    const { builder } = ctx;
    const [x, cos, sin] = node.inputs;
    const [, h, t, d] = node.shape;
    const cs = broadcastStrides(cos.shape, 4);
    const ss = broadcastStrides(sin.shape, 4);
    // One stride set serves both tables; differently broadcast tables are copied to cos's layout first.
    if (cs.some((v, k) => v !== ss[k])) throw new Error(`kernels-cuda: rotary ${label} has cos ${cos.shape} and sin ${sin.shape} broadcast differently (planner bug: HAND_WRITTEN should have refused it)`);
    const k = rotarySource(floatDtype(node)!);
    const out = builder.bufferFor(node);
    const total = numel(node.shape);
    const block = blockFor(total);
    builder.kernel(
      { label, source: k.source, entry: k.entry, grid: [gridFor(total, block), 1, 1], block: [block, 1, 1], sharedBytes: 0,
        args: [bufferArg(builder.bufferOf(x)), bufferArg(builder.bufferOf(cos)), bufferArg(builder.bufferOf(sin)), bufferArg(out), i64Arg(h), i64Arg(t), i64Arg(d), i64Arg(total), ...cs.map(i64Arg)] },
      [out],
    );
  },

  attention: (ctx, node, label) => {
    const { builder } = ctx;
    const [q, k, v, mask] = node.inputs;
    const [b, hq, t, d] = q.shape;
    const [, hkv, s] = k.shape;
    const { causal, scale, softcap } = node.attrs as OpAttrs<'attention'>;
    const src = attentionFwdSource(floatDtype(node)!, d);
    const out = builder.bufferFor(node);
    const lse = builder.newBuffer('f32', [b, hq, t], 'temp');
    const ms = mask ? broadcastStrides(mask.shape, 4) : [0, 0, 0, 0];
    const maskArg = mask ? bufferArg(builder.bufferOf(mask)) : NULL_POINTER;
    builder.kernel(
      { label, source: src.source, entry: src.entry, grid: [Math.ceil(t / ATTN_BR), hq, b], block: [ATTN_BR, 1, 1], sharedBytes: 0,
        args: [bufferArg(builder.bufferOf(q)), bufferArg(builder.bufferOf(k)), bufferArg(builder.bufferOf(v)), maskArg,
          i32Arg(b), i32Arg(hq), i32Arg(hkv), i32Arg(t), i32Arg(s), f32Arg(scale), f32Arg(softcap ?? 0), i32Arg(causal ? 1 : 0), i32Arg(0), ...ms.map(i64Arg), bufferArg(out), bufferArg(lse)] },
      [out, lse],
    );
  },

  cross_entropy: (ctx, node, label) => {
    const { builder } = ctx;
    const [logits, labels] = node.inputs;
    const { ignoreIndex, reduction } = node.attrs as OpAttrs<'cross_entropy'>;
    const [n, c] = logits.shape;
    const dt = floatDtype(node)!;
    const fwd = crossEntropyFwdSource(dt);
    const rows = reduction === 'none' ? builder.bufferFor(node) : builder.newBuffer(node.dtype, [n], 'temp');
    const lse = builder.newBuffer('f32', [n], 'temp');
    const lb = bufferArg(builder.bufferOf(labels));
    builder.kernel({ label, source: fwd.source, entry: fwd.entry, grid: [n, 1, 1], block: [rowBlock(c), 1, 1], sharedBytes: 0, args: [bufferArg(builder.bufferOf(logits)), lb, bufferArg(rows), bufferArg(lse), i64Arg(c), i64Arg(ignoreIndex)] }, [rows, lse]);
    if (reduction === 'none') return;
    const red = crossEntropyReduceSource(dt, reduction === 'mean');
    const out = builder.bufferFor(node);
    builder.kernel({ label: `${label}.${reduction}`, source: red.source, entry: red.entry, grid: [1, 1, 1], block: [rowBlock(n), 1, 1], sharedBytes: 0, args: [bufferArg(rows), lb, bufferArg(out), i64Arg(n), i64Arg(ignoreIndex)] }, [out]);
  },

  matmul_4bit: (ctx, node, label) => {
    const { builder } = ctx;
    const [a, packed, absmax] = node.inputs;
    const attrs = node.attrs as OpAttrs<'matmul_4bit'>;
    const dt = floatDtype(node)!;
    const src = dequant4Source(dt, attrs.levels, attrs.quantType);
    const w = builder.newBuffer(node.dtype, [attrs.n, attrs.k], 'temp');
    const total = attrs.n * attrs.k;
    const block = blockFor(total);
    builder.kernel(
      { label: `${label}.dequant`, source: src.source, entry: src.entry, grid: [gridFor(total, block), 1, 1], block: [block, 1, 1], sharedBytes: 0,
        args: [bufferArg(builder.bufferOf(packed)), bufferArg(builder.bufferOf(absmax)), bufferArg(w), i64Arg(total), i64Arg(attrs.blocksize)] },
      [w],
    );
    const inner = last(a.shape);
    const m = numel(a.shape) / inner;
    const out = builder.bufferFor(node);
    gemm(builder, label, { a: builder.bufferOf(a), b: w, c: out, m, n: last(node.shape), k: inner, batch: 1, transA: false, transB: attrs.transB, strideA: 0, strideB: 0, strideC: 0 });
  },
};

function softmaxLowering(ctx: LowerContext, node: Node, label: string, log: boolean): void {
  const { builder } = ctx;
  const { axis } = node.attrs as OpAttrs<'softmax'>;
  const len = node.shape[axis];
  const inner = numel(node.shape.slice(axis + 1));
  const rows = numel(node.shape) / len;
  const src = softmaxSource(floatDtype(node) ?? 'f32', log);
  const out = builder.bufferFor(node);
  builder.kernel(
    { label, source: src.source, entry: src.entry, grid: [rows, 1, 1], block: [rowBlock(len), 1, 1], sharedBytes: 0, args: [bufferArg(builder.bufferOf(node.inputs[0])), bufferArg(out), i64Arg(len), i64Arg(inner)] },
    [out],
  );
}
