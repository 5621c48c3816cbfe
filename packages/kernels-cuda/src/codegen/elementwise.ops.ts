import { type DType, type Node, OP_GROUPS, type OpAttrs, isFloat } from '@tunekit/core';
import { floatLiteral } from './cuda-prelude.js';

type ElementwiseOp = (typeof OP_GROUPS)['unary'][number] | (typeof OP_GROUPS)['binary'][number] | 'where';

/** C for one elementwise op on compute values `x` (inputs' dtypes in `node.inputs`); the result is narrowed by the caller. */
type Emit = (x: string[], node: Node) => string;

const floatIn = (node: Node): boolean => isFloat(node.inputs[0].dtype);
/** Float or integer spelling of the same op, chosen by the first input's dtype. */
const byKind = (f: Emit, i: Emit): Emit => (x, node) => (floatIn(node) ? f(x, node) : i(x, node));
const fn1 = (name: string): Emit => ([a]) => `${name}(${a})`;
const infix = (op: string): Emit => ([a, b]) => `(${a} ${op} ${b})`;

/** float → dtype for `cast`: NaN/inf become 0 (no integer value; the reference executor does the same). */
function castExpr(a: string, from: DType, to: DType): string {
  if (to === 'bool') return `(${a} != 0)`;
  if (isFloat(to)) return `(float)(${a})`;
  return isFloat(from) ? `tk_f2i(${a})` : `(long long)(${a})`;
}

export const ELEMENTWISE_C: Record<ElementwiseOp, Emit> = {
  neg: ([a]) => `(-${a})`,
  stop_gradient: ([a]) => a,
  exp: fn1('expf'),
  log: fn1('logf'),
  sqrt: fn1('sqrtf'),
  rsqrt: fn1('rsqrtf'),
  abs: byKind(fn1('fabsf'), ([a]) => `(${a} < 0 ? -${a} : ${a})`),
  tanh: fn1('tanhf'),
  sigmoid: fn1('tk_sigmoid'),
  relu: fn1('tk_relu'),
  gelu: ([a], node) => `${(node.attrs as OpAttrs<'gelu'>).approximate === 'tanh' ? 'tk_gelu_tanh' : 'tk_gelu_erf'}(${a})`,
  silu: fn1('tk_silu'),
  erf: fn1('erff'),
  sin: fn1('sinf'),
  cos: fn1('cosf'),
  not: ([a]) => `(${a} == 0)`,
  cast: ([a], node) => castExpr(a, node.inputs[0].dtype, (node.attrs as OpAttrs<'cast'>).to),

  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  // Integer x / 0 gives 0 (numpy, the reference executor) rather than trapping.
  div: byKind(infix('/'), ([a, b]) => `(${b} == 0 ? 0 : ${a} / ${b})`),
  pow: ([a, b]) => `powf(${a}, ${b})`,
  maximum: byKind(([a, b]) => `tk_fmax(${a}, ${b})`, ([a, b]) => `(${a} > ${b} ? ${a} : ${b})`),
  minimum: byKind(([a, b]) => `tk_fmin(${a}, ${b})`, ([a, b]) => `(${a} < ${b} ? ${a} : ${b})`),
  eq: infix('=='),
  ne: infix('!='),
  lt: infix('<'),
  le: infix('<='),
  gt: infix('>'),
  ge: infix('>='),
  and: ([a, b]) => `(${a} != 0 && ${b} != 0)`,
  or: ([a, b]) => `(${a} != 0 || ${b} != 0)`,

  where: ([c, a, b]) => `(${c} != 0 ? ${a} : ${b})`,
};

export const isElementwise = (op: string): op is ElementwiseOp => op in ELEMENTWISE_C;

/** A pad's fill value in the output's compute type. */
export function constantC(dtype: DType, v: number): string {
  return isFloat(dtype) ? floatLiteral(v) : `${Math.trunc(v)}`;
}
