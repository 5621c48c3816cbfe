import type { DType } from '../../dtype.js';
import type { BinaryOp, OpOf, UnaryOp } from '../../ir/ops.js';
import { attr } from './onnx.proto.js';
import { type Lowering, type LoweringTable, viaType } from './onnx.lowering.types.js';

/** A one-to-one ONNX op. */
const direct =
  (opType: string): Lowering<UnaryOp | BinaryOp> =>
  (b, _node, x) =>
    b.op1(opType, x);

/** ORT's CPU ordering comparisons have no bool kernels; bools compare as 0/1 bytes. */
const ordering =
  (opType: string): Lowering<BinaryOp> =>
  (b, node, x) =>
    viaType(b, node.inputs[0].dtype, ['bool'], 'u8', x, (v) => b.op1(opType, v), false);

export const UNARY_LOWERINGS: LoweringTable<UnaryOp> = {
  neg: direct('Neg'),
  exp: direct('Exp'),
  log: direct('Log'),
  sqrt: direct('Sqrt'),
  rsqrt: (b, _n, [x]) => b.op1('Reciprocal', [b.op1('Sqrt', [x])]),
  // |b| = b for bools, and ORT has no bool Abs.
  abs: (b, n, [x]) => (n.dtype === 'bool' ? x : b.op1('Abs', [x])),
  tanh: direct('Tanh'),
  sigmoid: direct('Sigmoid'),
  relu: direct('Relu'),
  gelu: (b, n, [x]) => b.op1('Gelu', [x], { approximate: attr.string(n.attrs.approximate) }),
  // ORT fuses this pair into one kernel (QuickGelu with alpha 1).
  silu: (b, _n, [x]) => b.op1('Mul', [x, b.op1('Sigmoid', [x])]),
  erf: direct('Erf'),
  sin: direct('Sin'),
  cos: direct('Cos'),
  not: direct('Not'),
  stop_gradient: direct('Identity'),
  cast: (b, n, [x]) => b.cast(x, n.inputs[0].dtype, n.attrs.to),
};

export const BINARY_LOWERINGS: LoweringTable<BinaryOp> = {
  add: direct('Add'),
  sub: direct('Sub'),
  mul: direct('Mul'),
  div: direct('Div'),
  pow: direct('Pow'),
  maximum: direct('Max'),
  minimum: direct('Min'),
  eq: direct('Equal'),
  ne: (b, _n, x) => b.op1('Not', [b.op1('Equal', x)]),
  lt: ordering('Less'),
  le: ordering('LessOrEqual'),
  gt: ordering('Greater'),
  ge: ordering('GreaterOrEqual'),
  and: direct('And'),
  or: direct('Or'),
};

/** ORT's CPU Where has no bool or int8 branches; they go through a type that holds every value. */
const WHERE_VIA: Partial<Record<DType, DType>> = { bool: 'u8', i8: 'i32' };

export const TERNARY_LOWERINGS: LoweringTable<OpOf<'ternary'>> = {
  where: (b, n, [cond, ...branches]) => {
    const emit = (v: readonly string[]) => b.op1('Where', [cond, ...v]);
    const via = WHERE_VIA[n.dtype];
    return via ? viaType(b, n.dtype, [n.dtype], via, branches, emit) : emit(branches);
  },
};
