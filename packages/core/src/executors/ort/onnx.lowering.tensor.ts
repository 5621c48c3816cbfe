import type { Node } from '../../ir/node.js';
import type { OpAttrs, OpOf, ReduceOp } from '../../ir/ops.js';
import type { OnnxBuilder } from './onnx.builder.js';
import { MS_DOMAIN, attr } from './onnx.proto.js';
import { type Lowering, type LoweringTable, type LoweredOp, viaType } from './onnx.lowering.types.js';

function reduceOp(b: OnnxBuilder, opType: string, x: string, rank: number, axes: readonly number[], keepdim: boolean): string {
  // Reducing a scalar is the identity (and an explicit empty axes list would mean "all" to ONNX anyway).
  if (rank === 0) return x;
  const all = axes.length ? axes : Array.from({ length: rank }, (_, k) => k);
  return b.op1(opType, [x, b.ints(all)], { keepdims: attr.int(keepdim ? 1 : 0) });
}

const reduce =
  (opType: string): Lowering<ReduceOp> =>
  (b, n, [x]) =>
    reduceOp(b, opType, x, n.inputs[0].rank, n.attrs.axes, n.attrs.keepdim);

export const REDUCE_LOWERINGS: LoweringTable<ReduceOp> = {
  // ORT's ReduceSum has no u8 or i8 kernel; summing in i32 and casting back wraps the same way.
  sum: (b, n, [x]) =>
    viaType(b, n.dtype, ['u8', 'i8'], 'i32', [x], ([v]) => reduceOp(b, 'ReduceSum', v, n.inputs[0].rank, n.attrs.axes, n.attrs.keepdim)),
  mean: reduce('ReduceMean'),
  max: reduce('ReduceMax'),
  logsumexp: reduce('ReduceLogSumExp'),
};

export const MOVEMENT_LOWERINGS: LoweringTable<OpOf<'movement'>> = {
  reshape: (b, n, [x]) => {
    // ONNX reads a 0 in the target shape as "copy this dim" unless allowzero is set (and a size
    // that varies at run time may be 0: an empty past).
    const attrs = n.attrs.shape.includes(0) || b.varies(n, 'shape') ? { allowzero: attr.int(1) } : undefined;
    return b.op1('Reshape', [x, b.sizes(n, 'shape', n.attrs.shape)], attrs);
  },
  permute: (b, n, [x]) => b.op1('Transpose', [x], { perm: attr.ints(n.attrs.perm) }),
  slice: (b, n, [x]) => {
    const { starts, ends, axes, steps } = n.attrs;
    return b.op1('Slice', [x, b.sizes(n, 'starts', starts), b.sizes(n, 'ends', ends), b.ints(axes), b.ints(steps)]);
  },
  concat: (b, n, x) => b.op1('Concat', x, { axis: attr.int(n.attrs.axis) }),
  expand: (b, n, [x]) => b.op1('Expand', [x, b.sizes(n, 'shape', n.attrs.shape)]),
  pad: (b, n, [x]) => {
    const { pads, value } = n.attrs;
    if (pads.every(([lo, hi]) => lo === 0 && hi === 0)) return x;
    const onnxPads = [...pads.map(([lo]) => lo), ...pads.map(([, hi]) => hi)];
    return b.op1('Pad', [x, b.ints(onnxPads), b.scalar(n.dtype, value)], { mode: attr.string('constant') });
  },
  // The IR has one node per piece; all pieces of one input and layout share a single Split.
  split: (b, n, [x]) => {
    const { axis, sizes, index } = n.attrs;
    const pieces = b.memo(`split:${x}:${axis}:${sizes}`, () =>
      b.op('Split', [x, b.ints(sizes)], { axis: attr.int(axis) }, { outputs: sizes.length }),
    );
    return pieces[index];
  },
};

export const INDEXING_LOWERINGS: LoweringTable<OpOf<'indexing'>> = {
  gather: (b, n, x) => b.op1('Gather', x, { axis: attr.int(n.attrs.axis) }),
  take_along_axis: (b, n, x) => b.op1('GatherElements', x, { axis: attr.int(n.attrs.axis) }),
  scatter_add: (b, n, [base, indices, updates]) => {
    // Adding bools is "or", which is max on bytes (ORT has no bool kernel).
    const reduction = attr.string(n.dtype === 'bool' ? 'max' : 'add');
    return viaType(b, n.dtype, ['bool'], 'u8', [base, updates], ([bv, uv]) =>
      b.op1('ScatterElements', [bv, indices, uv], { axis: attr.int(n.attrs.axis), reduction }),
    );
  },
  // Both IR outputs of one input share a single TopK, as split's pieces share one Split. ORT's CPU
  // TopK lacks 16-bit floats and bytes: those sort in f32 / i32 (order-preserving casts).
  topk: (b, n, [x]) => {
    const { axis, k, index } = n.attrs;
    const dtype = n.inputs[0].dtype;
    const via = dtype === 'f16' || dtype === 'bf16' ? 'f32' : 'i32';
    const [values, indices] = b.memo(`topk:${x}:${axis}:${k}`, () => {
      const sorted: string[] = [];
      const v = viaType(b, dtype, ['f16', 'bf16', 'u8', 'i8'], via, [x], ([y]) => {
        sorted.push(...b.op('TopK', [y, b.ints([k])], { axis: attr.int(axis), largest: attr.int(1), sorted: attr.int(1) }, { outputs: 2 }));
        return sorted[0];
      });
      return [v, sorted[1]];
    });
    return index === 1 ? indices : values;
  },
  // Bounds that vary at run time come from the graph inputs' shapes (as [1]); Range takes scalars.
  range: (b, n) => {
    const bound = (key: 'start' | 'end') => (b.varies(n, key) ? b.op1('Squeeze', [b.sizes(n, key, [n.attrs[key]]), b.ints([0])]) : b.scalar('i64', n.attrs[key]));
    return b.op1('Range', [bound('start'), bound('end'), b.scalar('i64', 1)]);
  },
};

type KeptOp = Exclude<LoweredOp, OpOf<'leaf' | 'unary' | 'binary' | 'ternary' | 'reduce' | 'movement' | 'indexing'>>;

/** Rows of x up to which x·Wᵀ is computed as (W·xᵀ)ᵀ; above it MLAS's packing of W pays for itself. */
const FEW_ROWS = 32;

/**
 * x·Wᵀ for a few rows x [B, 1, K] (a decode step of a batch) against a 2-D weight W [N, K], as
 * (W·xᵀ)ᵀ. MLAS packs the right operand of a GEMM that ORT was not given as a constant, and weights
 * are fed as inputs, so x·Wᵀ with 8 rows re-packs (transposes) all of W every step; W·xᵀ streams W
 * as the left operand and packs only xᵀ's few columns. Measured on a SmolLM2-135M-shaped f32 layer
 * on 2 cores, 8 rows: about half the matmul time of x·Wᵀ, 0.8-0.85× the whole decode step; one row
 * keeps x·Wᵀ (MLAS's GEMV path).
 * Static sizes and f32 only: an export with run-time sizes keeps the plain MatMul.
 */
function fewRowsTimesWeightT(b: OnnxBuilder, n: Node<'matmul'>, [x, wT]: readonly string[]): string | null {
  const [a, t] = n.inputs;
  const transposed = t.op === 'permute' && t.inputs[0].rank === 2 && (t.attrs as OpAttrs<'permute'>).perm[0] === 1;
  // One position per row ([..., 1, K]): a decode step, not a training or prefill batch.
  const oneStep = a.rank >= 3 && a.shape[a.rank - 2] === 1;
  if (!transposed || !oneStep || n.dtype !== 'f32' || !b.dimsOf(a).every((d) => typeof d === 'number')) return null;
  const k = a.shape[a.rank - 1];
  const rows = a.shape.reduce((p, d) => p * d, 1) / k;
  if (rows < 2 || rows > FEW_ROWS) return null;
  // Transpose(Wᵀ) is W again: ORT's transpose optimizer cancels the pair, so W is read in place.
  const w = b.op1('Transpose', [wT], { perm: attr.ints([1, 0]) });
  const xT = b.op1('Transpose', [b.op1('Reshape', [x, b.ints([rows, k])])], { perm: attr.ints([1, 0]) });
  const y = b.op1('Transpose', [b.op1('MatMul', [w, xT])], { perm: attr.ints([1, 0]) });
  return b.op1('Reshape', [y, b.ints(n.shape)]);
}

export const MATMUL_NORM_LOWERINGS: LoweringTable<KeptOp> = {
  matmul: (b, n, x) => fewRowsTimesWeightT(b, n, x) ?? b.op1('MatMul', x),
  softmax: (b, n, [x]) => b.op1('Softmax', [x], { axis: attr.int(n.attrs.axis) }),
  log_softmax: (b, n, [x]) => b.op1('LogSoftmax', [x], { axis: attr.int(n.attrs.axis) }),
  // Both compute in f32 over the last axis with the IR's formula (biased variance for layer_norm).
  rms_norm: (b, n, x) =>
    b.op1('SimplifiedLayerNormalization', x, { axis: attr.int(-1), epsilon: attr.float(n.attrs.eps), stash_type: attr.int(1) }),
  layer_norm: (b, n, x) =>
    b.op1('LayerNormalization', x, { axis: attr.int(-1), epsilon: attr.float(n.attrs.eps), stash_type: attr.int(1) }),
  // onnxruntime's contrib kernel dequantizes into a scratch buffer inside the op and runs one GEMM,
  // so no full-precision weight is ever a graph value (see `fusedMatmul4bit` for when it applies).
  matmul_4bit: (b, n, x) =>
    b.op1(
      'MatMulBnb4',
      x,
      {
        K: attr.int(n.attrs.k),
        N: attr.int(n.attrs.n),
        block_size: attr.int(n.attrs.blocksize),
        quant_type: attr.int(BNB4_QUANT_TYPE[n.attrs.quantType!]),
      },
      MS_DOMAIN,
    ),
  // onnxruntime's MLAS kernel prepacks an initializer's codes at session start; `accuracy_level` 4
  // rounds each activation block to int8 and multiplies in integers, which activationBits 8 specifies.
  matmul_nbits: (b, n, x) =>
    b.op1(
      'MatMulNBits',
      x,
      {
        K: attr.int(n.attrs.k),
        N: attr.int(n.attrs.n),
        bits: attr.int(n.attrs.bits),
        block_size: attr.int(n.attrs.blocksize),
        accuracy_level: attr.int(n.attrs.activationBits === 8 ? 4 : 0),
      },
      MS_DOMAIN,
    ),
};

/**
 * Whether onnxruntime's `MatMulNBits` computes this node: f32, the power-of-two block sizes from 16
 * it has, and, for int8 activations, constant codes and scales: its int8 path runs on weights it
 * packed at session start, and with fed weights (onnxruntime-node 1.30) it gives other values
 * (the op suite checks both).
 */
export function fusedMatmulNbits(node: Node): boolean {
  const { blocksize, activationBits } = node.attrs as OpAttrs<'matmul_nbits'>;
  const constantWeights = node.inputs[1].op === 'const' && node.inputs[2].op === 'const';
  return node.dtype === 'f32' && blocksize >= 16 && (blocksize & (blocksize - 1)) === 0 && (activationBits === null || constantWeights);
}

/** `MatMulBnb4`'s quant_type codes. */
const BNB4_QUANT_TYPE = { fp4: 0, nf4: 1 } as const;

/**
 * Whether onnxruntime's `MatMulBnb4` computes this node: bitsandbytes' own tables, f32, the block
 * sizes its CPU kernel has (16–256), and `transB`: its CPU kernel always multiplies by the
 * transposed weight (onnxruntime-node 1.30 gives wrong values for transB = 0; the op suite checks
 * this), so an input gradient `g·W` runs as the IR's decomposition, as does anything else.
 */
export function fusedMatmul4bit(node: Node): boolean {
  const a = node.attrs as OpAttrs<'matmul_4bit'>;
  return a.quantType !== null && a.transB && node.dtype === 'f32' && [16, 32, 64, 128, 256].includes(a.blocksize);
}
