import { isFloat } from '../../dtype.js';
import type { BinaryOp, Op, UnaryOp } from '../../ir/ops.js';
import type { Kernel } from './reference.kernels.js';
import { allocValue, broadcastOffsets } from './reference.values.js';

// ---- erf: both branches are accurate to a few ulp in double (A&S 7.1.26 is only good to 1e-7) ----

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erf(x) for small |x| from the series e^{-x²} Σ (2x²)ⁿ x / (2n+1)!!, whose terms are all positive (no cancellation). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x ≥ 2 from the continued fraction e^{-x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + ...)))); 80 terms converge there. */
function erfcFraction(x: number): number {
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (Math.abs(x) < 2) return erfSeries(x);
  return x > 0 ? 1 - erfcFraction(x) : erfcFraction(-x) - 1;
}

/** 1 - erf(x), keeping relative accuracy in the far tail (gelu of large negative inputs). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= 2) return erfcFraction(x);
  return x > -2 ? 1 - erfSeries(x) : 2 - erfcFraction(-x);
}

const sigmoid = (x: number): number => {
  // Two forms so exp never overflows into inf/inf.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

const GELU_TANH_C = Math.sqrt(2 / Math.PI);

export const geluErf = (x: number): number => 0.5 * x * erfc(-x * Math.SQRT1_2);
export const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(GELU_TANH_C * (x + 0.044715 * x * x * x)));

// ---- kernels ----

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

function map1(f: Fn1): Kernel<Op> {
  return ([x], node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    const src = x.data;
    const dst = out.data;
    for (let i = 0; i < dst.length; i++) dst[i] = f(src[i]);
    return out;
  };
}

function map2(f: Fn2): Kernel<Op> {
  return ([a, b], node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    const oa = broadcastOffsets(a.shape, out.shape);
    const ob = broadcastOffsets(b.shape, out.shape);
    const [da, db, dst] = [a.data, b.data, out.data];
    for (let i = 0; i < dst.length; i++) dst[i] = f(da[oa ? oa[i] : i], db[ob ? ob[i] : i]);
    return out;
  };
}

// Integer division truncates like ONNX Div on ints; x / 0 gives 0 (numpy) rather than trapping.
const intDiv: Fn2 = (a, b) => (b === 0 ? 0 : Math.trunc(a / b));
const floatDiv: Fn2 = (a, b) => a / b;

const bool = (c: boolean): number => (c ? 1 : 0);

// Truncates toward zero. NaN/inf have no integer value (C leaves it undefined); 0 keeps the output's BigInt conversion from throwing.
const toInt: Fn1 = (x) => (Number.isFinite(x) ? Math.trunc(x) : 0);

/** Unary/binary ops whose result needs only the input numbers; output rounding happens in the executor. */
export const ELEMENTWISE_KERNELS: { [O in UnaryOp | BinaryOp | 'where']: Kernel<O> } = {
  neg: map1((x) => -x),
  stop_gradient: map1((x) => x),
  exp: map1(Math.exp),
  log: map1(Math.log),
  sqrt: map1(Math.sqrt),
  rsqrt: map1((x) => 1 / Math.sqrt(x)),
  abs: map1(Math.abs),
  tanh: map1(Math.tanh),
  sigmoid: map1(sigmoid),
  relu: map1((x) => Math.max(x, 0)), // Math.max keeps NaN, as torch.relu does
  silu: map1((x) => x * sigmoid(x)),
  erf: map1(erf),
  sin: map1(Math.sin),
  cos: map1(Math.cos),
  not: map1((x) => bool(x === 0)),
  gelu: (inputs, node, precision) => map1(node.attrs.approximate === 'tanh' ? geluTanh : geluErf)(inputs, node, precision),
  cast: (inputs, node, precision) => {
    const to = node.attrs.to;
    // Float targets copy here; the executor's normalisation step rounds them to f32/f16/bf16.
    const f: Fn1 = to === 'bool' ? (x) => bool(x !== 0) : isFloat(to) ? (x) => x : toInt;
    return map1(f)(inputs, node, precision);
  },

  add: map2((a, b) => a + b),
  sub: map2((a, b) => a - b),
  mul: map2((a, b) => a * b),
  div: (inputs, node, precision) => map2(isFloat(node.dtype) ? floatDiv : intDiv)(inputs, node, precision),
  pow: map2(Math.pow),
  maximum: map2(Math.max),
  minimum: map2(Math.min),
  eq: map2((a, b) => bool(a === b)),
  ne: map2((a, b) => bool(a !== b)),
  lt: map2((a, b) => bool(a < b)),
  le: map2((a, b) => bool(a <= b)),
  gt: map2((a, b) => bool(a > b)),
  ge: map2((a, b) => bool(a >= b)),
  and: map2((a, b) => bool(a !== 0 && b !== 0)),
  or: map2((a, b) => bool(a !== 0 || b !== 0)),

  where: ([cond, a, b], node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    const [oc, oa, ob] = [cond, a, b].map((v) => broadcastOffsets(v.shape, out.shape));
    const [dc, da, db, dst] = [cond.data, a.data, b.data, out.data];
    for (let i = 0; i < dst.length; i++) {
      dst[i] = dc[oc ? oc[i] : i] !== 0 ? da[oa ? oa[i] : i] : db[ob ? ob[i] : i];
    }
    return out;
  },
};
