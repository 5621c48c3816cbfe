/**
 * One or more small graphs per IR op with expected values from plain loops (or by hand): the
 * executor-neutral op suite every executor runs (describeOpSuite). Typed over `Op`, so a new op
 * fails to compile until it has a case.
 */
import type { HostTensor } from '../host-tensor.js';
import type { MatmulNbitsAttrs, Op } from '../ir/ops.js';
import { Parameter } from '../ir/parameter.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type Nd,
  at,
  bools,
  erf,
  f32,
  i32,
  i64,
  map,
  nd,
  rand,
  reduce,
  softmaxRow,
  i8,
  u8,
  unravel,
} from './op-values.test-support.js';
import { ALL_BYTES, BNB_FP4_LEVELS, BNB_NF4_LEVELS } from './bnb-levels.test-support.js';

export interface OpCase {
  name: string;
  /** Fed as inputs x0, x1, ... */
  inputs: HostTensor[];
  fn: (...x: Tensor[]) => Tensor | Tensor[];
  /** Expected values of each output, flattened row-major. */
  expect: (...x: Nd[]) => number[] | number[][];
}

const one = (name: string, inputs: HostTensor[], fn: OpCase['fn'], expect: OpCase['expect']): OpCase[] => [{ name, inputs, fn, expect }];

/** An elementwise case over a fixed output shape. */
const ew = (name: string, inputs: HostTensor[], outShape: number[], fn: OpCase['fn'], f: (...v: number[]) => number): OpCase[] =>
  one(name, inputs, fn, (...x) => map(outShape, x, f));

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** Two's complement int8 wrapping, as a C cast to int8_t does. */
const wrapI8 = (v: number) => (v << 24) >> 24;
const rowsOf = (x: Nd, axis: number): number[][] => {
  // Groups flat indices by every axis but `axis`, each group in order along `axis`.
  const groups = new Map<string, number[]>();
  x.data.forEach((_, i) => {
    const idx = unravel(i, x.shape);
    idx[axis] = 0;
    const key = idx.join();
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
};
/** Applies a row function along `axis`, writing results back in place. */
const alongAxis = (x: Nd, axis: number, f: (row: number[]) => number[]): number[] => {
  const out = new Array<number>(x.data.length);
  for (const ix of rowsOf(x, axis)) f(ix.map((i) => x.data[i])).forEach((v, k) => (out[ix[k]] = v));
  return out;
};

/** Causal/masked grouped-query attention by loops, scores soft-capped when `softcap` is set; a row with no visible key averages every value. */
function attentionLoops(q: Nd, k: Nd, v: Nd, mask: Nd | null, causal: boolean, scale: number, softcap: number | null = null): number[] {
  const [b, hq, t, d] = q.shape;
  const [, hkv, s] = k.shape;
  const out: number[] = [];
  for (let bi = 0; bi < b; bi++)
    for (let h = 0; h < hq; h++) {
      const kh = Math.floor(h / (hq / hkv));
      for (let ti = 0; ti < t; ti++) {
        const visible = Array.from({ length: s }, (_, si) => (!causal || si <= ti + s - t) && (!mask || at(mask, [bi, h, ti, si]) !== 0));
        const scores = visible.map((_, si) => {
          let dot = 0;
          for (let di = 0; di < d; di++) dot += at(q, [bi, h, ti, di]) * at(k, [bi, kh, si, di]);
          return softcap === null ? dot * scale : Math.tanh((dot * scale) / softcap) * softcap;
        });
        const seen = visible.flatMap((ok, si) => (ok ? [si] : []));
        const idx = seen.length ? seen : visible.map((_, si) => si);
        const p = seen.length ? softmaxRow(idx.map((si) => scores[si])) : idx.map(() => 1 / s);
        for (let di = 0; di < d; di++) out.push(idx.reduce((acc, si, j) => acc + p[j] * at(v, [bi, kh, si, di]), 0));
      }
    }
  return out;
}

function crossEntropyLoops(logits: Nd, labels: Nd, reduction: 'mean' | 'sum' | 'none', ignore = -100): number[] {
  const [n, c] = logits.shape;
  const losses = Array.from({ length: n }, (_, i) => {
    const y = labels.data[i];
    if (y === ignore) return 0;
    const row = logits.data.slice(i * c, (i + 1) * c);
    const m = Math.max(...row);
    return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y];
  });
  if (reduction === 'none') return losses;
  const sum = losses.reduce((a, b) => a + b, 0);
  const valid = labels.data.filter((y) => y !== ignore).length;
  return [reduction === 'sum' ? sum : valid ? sum / valid : 0];
}

function matmulLoops(a: Nd, b: Nd, outShape: number[]): number[] {
  const r = outShape.length;
  const kdim = a.shape[a.shape.length - 1];
  return Array.from({ length: outShape.reduce((p, d) => p * d, 1) }, (_, i) => {
    const idx = unravel(i, outShape);
    let acc = 0;
    for (let kk = 0; kk < kdim; kk++) {
      const ai = [...idx.slice(0, r - 2), idx[r - 2], kk];
      const bi = [...idx.slice(0, r - 2), kk, idx[r - 1]];
      acc += at(a, ai) * at(b, bi);
    }
    return acc;
  });
}

/** W [n, k] from 4-bit codes (high nibble first) times their block's absmax, then x·Wᵀ or x·W. */
function matmul4bitLoops(x: Nd, packed: Nd, absmax: Nd, n: number, k: number, blocksize: number, levels: readonly number[], transB: boolean): number[] {
  const w = Array.from({ length: n * k }, (_, i) => {
    const byte = packed.data[i >> 1];
    return levels[i % 2 === 0 ? byte >> 4 : byte & 15] * absmax.data[Math.floor(i / blocksize)];
  });
  const wt = transB ? Array.from({ length: n * k }, (_, i) => w[(i % n) * k + Math.floor(i / n)]) : w;
  const [inner, outer] = transB ? [k, n] : [n, k];
  return matmulLoops(x, { shape: [inner, outer], data: wt }, [...x.shape.slice(0, -1), outer]);
}

/** x·Wᵀ of a `matmul_nbits` weight, each activation block first rounded to 8 bits when `activationBits` is 8. */
function matmulNbitsLoops(x: Nd, packed: Nd, scales: Nd, a: MatmulNbitsAttrs): number[] {
  const blocks = Math.ceil(a.k / a.blocksize);
  const blob = (a.blocksize * a.bits) / 8;
  const code = (row: number, col: number) => {
    const [b, j] = [Math.floor(col / a.blocksize), col % a.blocksize];
    const byte = packed.data[(row * blocks + b) * blob + (a.bits === 8 ? j : j >> 1)];
    return a.bits === 8 ? byte - 128 : (j % 2 ? byte >> 4 : byte & 15) - 8;
  };
  const w = Array.from({ length: a.n * a.k }, (_, i) => code(Math.floor(i / a.k), i % a.k) * scales.data[Math.floor(i / a.k) * blocks + Math.floor((i % a.k) / a.blocksize)]);
  const rows = x.data.length / a.k;
  const seen = x.data.slice();
  if (a.activationBits === 8) {
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < blocks; b++) {
        const idx = Array.from({ length: Math.min(a.k, (b + 1) * a.blocksize) - b * a.blocksize }, (_, j) => r * a.k + b * a.blocksize + j);
        const scale = Math.max(...idx.map((i) => Math.abs(x.data[i]))) / 127;
        for (const i of idx) seen[i] = scale > 0 ? roundHalfEvenLoop(x.data[i] / scale) * scale : 0;
      }
    }
  }
  const wt = Array.from({ length: a.n * a.k }, (_, i) => w[(i % a.n) * a.k + Math.floor(i / a.n)]);
  return matmulLoops({ shape: x.shape, data: seen }, { shape: [a.k, a.n], data: wt }, [...x.shape.slice(0, -1), a.n]);
}

const roundHalfEvenLoop = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Every byte value, repeated to fill `count` bytes. */
const bytes = (count: number) => Array.from({ length: count }, (_, i) => (i * 37 + 11) % 256);

/** matmul_nbits cases: name, attributes, leading shape of the activations. */
const NBITS_CASES: [string, MatmulNbitsAttrs, number[]][] = [
  // K 40 pads its last block of 16 (ORT's MatMulNBits).
  ['int4 x·Wᵀ, K 40 in blocks of 16', { n: 3, k: 40, bits: 4, blocksize: 16, activationBits: null }, [2, 3]],
  ['int8 x·Wᵀ, int8 activations, blocks of 32', { n: 5, k: 64, bits: 8, blocksize: 32, activationBits: 8 }, [4]],
  ['int4, int8 activations, K 24 in blocks of 16', { n: 4, k: 24, bits: 4, blocksize: 16, activationBits: 8 }, [3]],
  ['int8 x·Wᵀ, K 48 in blocks of 32', { n: 3, k: 48, bits: 8, blocksize: 32, activationBits: null }, [2]],
  // A block size the fused kernel lacks: the decomposition runs.
  ['int8, blocks of 12 (decomposed)', { n: 2, k: 20, bits: 8, blocksize: 12, activationBits: 8 }, [2]],
];

const fixedParam = Parameter.fromValues([2, 3], [1, -2, 3, -4, 5, -6]);

export const OP_CASES: Record<Op, OpCase[]> = {
  input: ew('fed input', [rand([2, 3])], [2, 3], (x) => x, (v) => v),
  param: one('parameter used in math', [rand([2, 3])], (x) => x.mul(Tensor.param(fixedParam)), (x) => map([2, 3], [x, { shape: [2, 3], data: [1, -2, 3, -4, 5, -6] }], (a, b) => a * b)),
  const: one('constant operand', [rand([2, 3])], (x) => x.add(Tensor.fromValues([3], [1, -2, 0.5])), (x) =>
    map([2, 3], [x, { shape: [3], data: [1, -2, 0.5] }], (a, b) => a + b),
  ),

  neg: [
    ...ew('neg f32', [rand([3, 4])], [3, 4], (x) => x.neg(), (v) => -v),
    ...ew('neg i64', [i64([3], [3, -1, 0])], [3], (x) => x.neg(), (v) => -v),
    ...ew('neg i8 wraps', [i8([3], [-128, 5, 0])], [3], (x) => x.neg(), (v) => wrapI8(-v)),
  ],
  stop_gradient: [
    ...ew('stop_gradient is the identity', [rand([2, 3])], [2, 3], (x) => x.detach(), (v) => v),
    ...ew('stop_gradient i8', [i8([2], [-128, 127])], [2], (x) => x.detach(), (v) => v),
  ],
  exp: ew('exp', [rand([3, 4])], [3, 4], (x) => x.exp(), Math.exp),
  log: ew('log', [rand([3, 4], 0.1, 3)], [3, 4], (x) => x.log(), Math.log),
  sqrt: ew('sqrt', [rand([3, 4], 0.1, 3)], [3, 4], (x) => x.sqrt(), Math.sqrt),
  rsqrt: ew('rsqrt', [rand([3, 4], 0.1, 3)], [3, 4], (x) => x.rsqrt(), (v) => 1 / Math.sqrt(v)),
  abs: [
    ...ew('abs f32', [rand([3, 4])], [3, 4], (x) => x.abs(), Math.abs),
    ...ew('abs i32', [i32([3], [-3, 0, 5])], [3], (x) => x.abs(), Math.abs),
    ...ew('abs bool', [bools([2], [1, 0])], [2], (x) => x.abs(), (v) => v),
    ...ew('abs i8', [i8([4], [-3, 0, 127, -127])], [4], (x) => x.abs(), Math.abs),
  ],
  tanh: ew('tanh', [rand([3, 4], -3, 3)], [3, 4], (x) => x.tanh(), Math.tanh),
  sigmoid: ew('sigmoid', [rand([3, 4], -4, 4)], [3, 4], (x) => x.sigmoid(), sigmoid),
  relu: ew('relu', [rand([3, 4])], [3, 4], (x) => x.relu(), (v) => Math.max(v, 0)),
  gelu: [
    ...ew('gelu erf', [rand([3, 4], -3, 3)], [3, 4], (x) => x.gelu('none'), (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))),
    ...ew('gelu tanh', [rand([3, 4], -3, 3)], [3, 4], (x) => x.gelu('tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
  ],
  silu: ew('silu', [rand([3, 4], -4, 4)], [3, 4], (x) => x.silu(), (v) => v * sigmoid(v)),
  erf: ew('erf', [rand([3, 4], -2.5, 2.5)], [3, 4], (x) => x.erf(), erf),
  sin: ew('sin', [rand([3, 4], -3, 3)], [3, 4], (x) => x.sin(), Math.sin),
  cos: ew('cos', [rand([3, 4], -3, 3)], [3, 4], (x) => x.cos(), Math.cos),
  not: ew('not', [bools([2, 3], [1, 0, 0, 1, 1, 0])], [2, 3], (x) => x.not(), (v) => 1 - v),
  cast: [
    ...ew('f32 -> i64 truncates toward 0', [f32([5], [-2.7, -0.5, 0.5, 2.9, 3])], [5], (x) => x.cast('i64'), Math.trunc),
    ...ew('f32 -> bool', [f32([3], [0, -0.5, 2])], [3], (x) => x.cast('bool'), (v) => (v ? 1 : 0)),
    ...ew('bool -> f32', [bools([3], [1, 0, 1])], [3], (x) => x.cast('f32').mul(2), (v) => 2 * v),
    ...ew('i64 -> f32', [i64([4], [3, -1, 0, 7])], [4], (x) => x.cast('f32'), (v) => v),
    ...ew('i64 -> i32', [i64([2], [5, -6])], [2], (x) => x.cast('i32'), (v) => v),
    ...ew('i64 -> u8 wraps', [i64([2], [300, 7])], [2], (x) => x.cast('u8'), (v) => v & 255),
    ...ew('i64 -> i8 wraps', [i64([5], [300, -129, 127, -128, 128])], [5], (x) => x.cast('i8'), wrapI8),
    ...ew('f32 -> i8 truncates toward 0', [f32([5], [-2.7, 2.9, 127.9, -127.5, -0.5])], [5], (x) => x.cast('i8'), Math.trunc),
    ...ew('i8 -> f32', [i8([4], [-128, -1, 0, 127])], [4], (x) => x.cast('f32').mul(0.5), (v) => v * 0.5),
    ...ew('i8 -> i32 -> i8 keeps the value', [i8([3], [-128, -7, 127])], [3], (x) => x.cast('i32').cast('i8'), (v) => v),
    // Ties round to even: 1 + 2^-8 → 1 and 1 + 3·2^-8 → 1 + 2^-6 in bf16; 1 + 2^-11 → 1 and 1 + 3·2^-11 → 1 + 2^-9 in f16.
    ...one('f32 -> bf16 rounds (output and in-graph)', [f32([3], [1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.5])], (x) => [x.cast('bf16'), x.cast('bf16').cast('f32').mul(1)], () => [
      [1, 1 + 2 ** -6, -2.5],
      [1, 1 + 2 ** -6, -2.5],
    ]),
    ...one('f32 -> f16 rounds (output and in-graph)', [f32([3], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.25])], (x) => [x.cast('f16'), x.cast('f16').cast('f32').mul(1)], () => [
      [1, 1 + 2 ** -9, 0.25],
      [1, 1 + 2 ** -9, 0.25],
    ]),
  ],

  add: [
    ...ew('add broadcast', [rand([2, 3, 4]), rand([3, 1])], [2, 3, 4], (a, b) => a.add(b), (a, b) => a + b),
    ...ew('add i64', [i64([3], [1, 2, 3]), i64([1], [10])], [3], (a, b) => a.add(b), (a, b) => a + b),
    ...ew('add u8 wraps', [u8([2], [200, 1]), u8([2], [100, 2])], [2], (a, b) => a.add(b), (a, b) => (a + b) & 255),
    ...ew('add i8 wraps', [i8([3], [100, -100, 5]), i8([3], [100, -100, -7])], [3], (a, b) => a.add(b), (a, b) => wrapI8(a + b)),
    ...ew('add i8 wraps before the next op', [i8([2], [100, -100]), i8([2], [100, -100])], [2], (a, b) => a.add(b).cast('f32'), (a, b) => wrapI8(a + b)),
    ...ew('add i8 scalar', [i8([3], [1, -128, 126])], [3], (a) => a.add(1), (a) => wrapI8(a + 1)),
  ],
  sub: [
    ...ew('sub broadcast', [rand([2, 1, 4]), rand([3, 4])], [2, 3, 4], (a, b) => a.sub(b), (a, b) => a - b),
    ...ew('sub i8 wraps', [i8([2], [-128, 3]), i8([2], [1, 5])], [2], (a, b) => a.sub(b), (a, b) => wrapI8(a - b)),
  ],
  mul: [
    ...ew('mul broadcast', [rand([2, 3, 4]), rand([4])], [2, 3, 4], (a, b) => a.mul(b), (a, b) => a * b),
    ...ew('mul i8 wraps', [i8([2], [16, -3]), i8([2], [8, 5])], [2], (a, b) => a.mul(b), (a, b) => wrapI8(a * b)),
  ],
  div: [
    ...ew('div broadcast', [rand([2, 3]), rand([2, 1], 0.5, 2)], [2, 3], (a, b) => a.div(b), (a, b) => a / b),
    ...ew('div i64 truncates', [i64([3], [7, -7, 6]), i64([3], [2, 2, -4])], [3], (a, b) => a.div(b), (a, b) => Math.trunc(a / b)),
    ...ew('div i8 truncates', [i8([3], [7, -7, -128]), i8([3], [2, 2, 3])], [3], (a, b) => a.div(b), (a, b) => Math.trunc(a / b)),
  ],
  pow: ew('pow', [rand([2, 3], 0.5, 2), f32([3], [-1, 0.5, 2])], [2, 3], (a, b) => a.pow(b), (a, b) => a ** b),
  maximum: [
    ...ew('maximum', [rand([3, 4]), rand([4])], [3, 4], (a, b) => a.maximum(b), Math.max),
    ...ew('maximum u8', [u8([3], [1, 200, 7]), u8([3], [5, 100, 7])], [3], (a, b) => a.maximum(b), Math.max),
    ...ew('maximum i8', [i8([3], [-1, -128, 7]), i8([3], [-5, 100, 7])], [3], (a, b) => a.maximum(b), Math.max),
  ],
  minimum: [
    ...ew('minimum', [rand([3, 4]), rand([3, 1])], [3, 4], (a, b) => a.minimum(b), Math.min),
    ...ew('minimum i8', [i8([3], [-1, -128, 7]), i8([3], [-5, 100, 7])], [3], (a, b) => a.minimum(b), Math.min),
  ],
  eq: [
    ...ew('eq i64', [i64([4], [1, 2, 3, 4]), i64([4], [1, 0, 3, 5])], [4], (a, b) => a.eq(b), (a, b) => +(a === b)),
    ...ew('eq bool', [bools([4], [1, 0, 1, 0]), bools([4], [1, 1, 0, 0])], [4], (a, b) => a.eq(b), (a, b) => +(a === b)),
    ...ew('eq i8', [i8([3], [-128, 0, 5]), i8([3], [-128, 1, 5])], [3], (a, b) => a.eq(b), (a, b) => +(a === b)),
  ],
  ne: [
    ...ew('ne i64 broadcast', [i64([4], [1, 2, 3, 4]), i64([1], [2])], [4], (a, b) => a.ne(b), (a, b) => +(a !== b)),
    ...ew('ne i8', [i8([3], [-128, 0, 5]), i8([3], [-128, 1, 5])], [3], (a, b) => a.ne(b), (a, b) => +(a !== b)),
  ],
  lt: [
    ...ew('lt', [rand([3, 4]), rand([4])], [3, 4], (a, b) => a.lt(b), (a, b) => +(a < b)),
    ...ew('lt bool', [bools([4], [1, 0, 1, 0]), bools([4], [1, 1, 0, 0])], [4], (a, b) => a.lt(b), (a, b) => +(a < b)),
    ...ew('lt i8', [i8([3], [-128, 0, 5]), i8([3], [127, -1, 5])], [3], (a, b) => a.lt(b), (a, b) => +(a < b)),
  ],
  le: [
    ...ew('le', [f32([4], [1, 2, 3, 4]), f32([4], [1, 3, 2, 4])], [4], (a, b) => a.le(b), (a, b) => +(a <= b)),
    ...ew('le i8', [i8([3], [-128, 0, 5]), i8([3], [127, -1, 5])], [3], (a, b) => a.le(b), (a, b) => +(a <= b)),
  ],
  gt: [
    ...ew('gt i32', [i32([3], [1, 5, -2]), i32([3], [0, 5, 3])], [3], (a, b) => a.gt(b), (a, b) => +(a > b)),
    ...ew('gt i8', [i8([3], [-128, 0, 5]), i8([3], [127, -1, 5])], [3], (a, b) => a.gt(b), (a, b) => +(a > b)),
  ],
  ge: [
    ...ew('ge bool', [bools([4], [1, 0, 1, 0]), bools([4], [1, 1, 0, 0])], [4], (a, b) => a.ge(b), (a, b) => +(a >= b)),
    ...ew('ge i8', [i8([3], [-128, 0, 5]), i8([3], [127, -1, 5])], [3], (a, b) => a.ge(b), (a, b) => +(a >= b)),
  ],
  and: ew('and', [bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0])], [2, 2], (a, b) => a.and(b), (a, b) => +(a && b)),
  or: ew('or', [bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0])], [2, 2], (a, b) => a.or(b), (a, b) => +(a || b)),

  where: [
    ...ew('where f32 broadcast', [bools([2, 3], [1, 0, 1, 0, 0, 1]), rand([2, 3]), rand([3])], [2, 3], (c, a, b) => Tensor.where(c, a, b), (c, a, b) => (c ? a : b)),
    ...ew('where i64', [bools([3], [1, 0, 1]), i64([3], [1, 2, 3]), i64([1], [-9])], [3], (c, a, b) => Tensor.where(c, a, b), (c, a, b) => (c ? a : b)),
    ...ew('where bool', [bools([3], [1, 0, 1]), bools([3], [0, 0, 1]), bools([3], [1, 1, 0])], [3], (c, a, b) => Tensor.where(c, a, b), (c, a, b) => (c ? a : b)),
    ...ew('where i8', [bools([3], [1, 0, 1]), i8([3], [-128, 2, 127]), i8([1], [-9])], [3], (c, a, b) => Tensor.where(c, a, b), (c, a, b) => (c ? a : b)),
  ],

  sum: [
    ...one('sum all', [rand([2, 3, 4])], (x) => x.sum(), (x) => reduce(x, [], 0, (a, v) => a + v)),
    ...one('sum axes keepdim', [rand([2, 3, 4])], (x) => x.sum([0, 2], true), (x) => reduce(x, [0, 2], 0, (a, v) => a + v)),
    ...one('sum i64', [i64([2, 2], [1, 2, 3, 40])], (x) => x.sum(1), (x) => reduce(x, [1], 0, (a, v) => a + v)),
    ...one('sum u8 wraps', [u8([2], [200, 100])], (x) => x.sum(), () => [44]),
    ...one('sum i8 wraps', [i8([2, 3], [100, 100, -1, -128, -1, 5])], (x) => x.sum(1), () => [-57, -124]),
    ...one('sum of a scalar', [f32([], [2.5])], (x) => x.sum(), () => [2.5]),
  ],
  mean: one('mean axis', [rand([2, 3, 4])], (x) => x.mean(1), (x) => reduce(x, [1], 0, (a, v) => a + v / 3)),
  max: [
    ...one('max axis', [rand([3, 5])], (x) => x.max(-1), (x) => reduce(x, [1], -Infinity, Math.max)),
    ...one('max all keepdim', [rand([3, 5])], (x) => x.max(undefined, true), (x) => reduce(x, [], -Infinity, Math.max)),
    ...one('max i64', [i64([2, 2], [5, -3, -8, -2])], (x) => x.max(0), () => [5, -2]),
    ...one('max i8', [i8([2, 2], [5, -3, -128, -2])], (x) => x.max(0), () => [5, -2]),
  ],
  logsumexp: one('logsumexp', [rand([3, 5], -5, 5)], (x) => x.logsumexp(-1, true), (x) => reduce({ ...x, data: x.data.map(Math.exp) }, [1], 0, (a, v) => a + v).map(Math.log)),

  reshape: one('reshape', [rand([2, 6])], (x) => x.reshape(4, -1).mul(Tensor.fromValues([4, 3], [...Array(12).keys()])), (x) => x.data.map((v, i) => v * i)),
  permute: [
    ...one('permute', [rand([2, 3, 4])], (x) => x.permute(2, 0, 1), (x) =>
      Array.from({ length: 24 }, (_, i) => {
        const [c, a, b] = unravel(i, [4, 2, 3]);
        return at(x, [a, b, c]);
      }),
    ),
    ...one('permute i8', [i8([2, 3], [-128, 1, 2, 3, 127, -5])], (x) => x.permute(1, 0), () => [-128, 3, 1, 127, 2, -5]),
  ],
  slice: [
    ...one('slice', [rand([2, 4, 3])], (x) => x.slice(1, 1, 3), (x) => x.data.filter((_, i) => [1, 2].includes(unravel(i, [2, 4, 3])[1]))),
    ...one('slice step 3', [rand([2, 8])], (x) => x.slice(1, 0, 8, 3), (x) => x.data.filter((_, i) => unravel(i, [2, 8])[1] % 3 === 0)),
    ...one('slice i8', [i8([2, 3], [-128, 1, 2, 3, 127, -5])], (x) => x.slice(1, 1, 3), () => [1, 2, 127, -5]),
  ],
  concat: [
    ...one('concat', [rand([2, 1, 3]), rand([2, 2, 3]), rand([2, 3, 3])], (a, b, c) => Tensor.concat([a, b, c], 1), (a, b, c) =>
      [0, 1].flatMap((i) => [a, b, c].flatMap((t) => t.data.slice((i * t.data.length) / 2, ((i + 1) * t.data.length) / 2))),
    ),
    ...one('concat i8', [i8([2, 1], [-128, 5]), i8([2, 2], [1, 2, 127, -1])], (a, b) => Tensor.concat([a, b], 1), () => [-128, 1, 2, 5, 127, -1]),
  ],
  expand: [
    ...one('expand', [rand([2, 1])], (x) => x.expand(3, 2, 4), (x) => map([3, 2, 4], [x], (v) => v)),
    ...one('expand + reshape i8', [i8([2, 1], [-128, 7])], (x) => x.expand(2, 3).reshape(3, 2), () => [-128, -128, -128, 7, 7, 7]),
  ],
  pad: [
    ...one('pad f32', [f32([2, 2], [1, 2, 3, 4])], (x) => x.pad([[1, 0], [2, 1]], 0.5), () => {
      const p = 0.5;
      return [p, p, p, p, p, p, p, 1, 2, p, p, p, 3, 4, p];
    }),
    ...one('pad i64', [i64([1, 2], [1, 2])], (x) => x.pad([[0, 1], [1, 0]], 7), () => [7, 1, 2, 7, 7, 7]),
    ...one('pad i8', [i8([1, 2], [-1, 127])], (x) => x.pad([[0, 1], [1, 0]], -3), () => [-3, -1, 127, -3, -3, -3]),
  ],
  split: [
    ...one('split i8', [i8([2, 3], [-128, 1, 2, 3, 127, -5])], (x) => x.split([1, 2], 1)[1]!, () => [1, 2, 127, -5]),
    ...one('split pieces share one ONNX Split', [rand([2, 6])], (x) => x.split([1, 2, 3], 1).filter((_, k) => k !== 1), (x) => [
      x.data.filter((_, i) => i % 6 < 1),
      x.data.filter((_, i) => i % 6 >= 3),
    ]),
    ...one('split pieces recombined', [rand([4, 3])], (x) => {
      const [a, b] = x.split(2, 0);
      return a.mul(b.exp());
    }, (x) => x.data.slice(0, 6).map((v, i) => v * Math.exp(x.data[6 + i]))),
  ],

  gather: [
    ...one('embedding lookup with repeats', [rand([5, 3]), i64([2, 3], [0, 4, 4, 1, 0, 2])], (w, ids) => w.gather(0, ids), (w, ids) => ids.data.flatMap((r) => w.data.slice(r * 3, r * 3 + 3))),
    ...one('rows of an i8 table', [i8([3, 2], [-128, 1, 2, 3, 127, -5]), i64([3], [2, 0, 2])], (w, ids) => w.gather(0, ids), () => [127, -5, -128, 1, 127, -5]),
    ...one('gather axis 1 i32 indices', [rand([2, 4, 3]), i32([3], [3, 0, 3])], (w, ids) => w.gather(1, ids), (w, ids) =>
      Array.from({ length: 18 }, (_, i) => {
        const [a, j, c] = unravel(i, [2, 3, 3]);
        return at(w, [a, ids.data[j], c]);
      }),
    ),
  ],
  take_along_axis: [
    ...one('take_along_axis', [rand([3, 4]), i64([3, 2], [0, 3, 1, 1, 2, 0])], (x, i) => x.takeAlongAxis(i, 1), (x, i) =>
      i.data.map((col, flat) => at(x, [Math.floor(flat / 2), col])),
    ),
    ...one('take_along_axis i8', [i8([2, 2], [-128, 7, 127, -1]), i64([2, 1], [1, 0])], (x, i) => x.takeAlongAxis(i, 1), () => [7, 127]),
  ],
  scatter_add: [
    ...one('scatter_add with repeats', [rand([3, 4]), i64([2, 4], [0, 2, 2, 1, 0, 0, 2, 1]), rand([2, 4])], (b, i, u) => b.scatterAdd(0, i, u), (b, i, u) => {
      const out = [...b.data];
      i.data.forEach((row, flat) => (out[row * 4 + (flat % 4)] += u.data[flat]));
      return out;
    }),
    ...one('scatter_add i8 wraps', [i8([3], [100, -128, 0]), i64([3], [0, 1, 0]), i8([3], [100, -1, 5])], (b, i, u) => b.scatterAdd(0, i, u), () => [-51, 127, 0]),
    ...one('scatter_add partial window', [rand([3, 4]), i64([2, 2], [3, 0, 3, 3]), rand([2, 2])], (b, i, u) => b.scatterAdd(1, i, u), (b, i, u) => {
      const out = [...b.data];
      i.data.forEach((col, flat) => (out[Math.floor(flat / 2) * 4 + col] += u.data[flat]));
      return out;
    }),
  ],
  topk: [
    ...one('topk values and positions', [f32([2, 4], [0.5, -1, 3, 0.5, 2, 7, -3, 7])], (x) => x.topk(3), () => [
      [3, 0.5, 0.5, 7, 7, 2],
      [2, 0, 3, 1, 3, 0],
    ]),
    ...one('topk on axis 0 of random rows', [rand([5, 3])], (x) => x.topk(2, 0), (x) => {
      const cols = [0, 1, 2].map((c) => [0, 1, 2, 3, 4].map((r) => ({ r, v: at(x, [r, c]) })).sort((p, q) => q.v - p.v));
      return [[0, 1].flatMap((t) => cols.map((c) => c[t].v)), [0, 1].flatMap((t) => cols.map((c) => c[t].r))];
    }),
    ...one('topk i8 positions', [i8([1, 4], [-128, 127, 5, -1])], (x) => x.topk(2)[1], () => [1, 2]),
  ],
  range: [
    ...one('range alone', [], () => Tensor.range(3, 7), () => [3, 4, 5, 6]),
    // A sliding window's mask: query slots 2..4 against key slots 0..4, window 2.
    ...one('range window mask', [], () => Tensor.range(2, 5).reshape(3, 1).sub(Tensor.range(0, 5).reshape(1, 5)).lt(2), () =>
      Array.from({ length: 15 }, (_, i) => (2 + Math.floor(i / 5) - (i % 5) < 2 ? 1 : 0)),
    ),
    ...one('range offsets fed positions', [i64([4], [10, -2, 0, 5])], (p) => p.add(Tensor.range(-1, 3)), (p) => p.data.map((v, i) => v + i - 1)),
  ],

  matmul: [
    ...one('matmul batch x weight', [rand([2, 3, 4]), rand([4, 5])], (a, b) => a.matmul(b), (a, b) => matmulLoops(a, b, [2, 3, 5])),
    ...one('matmul broadcast batch', [rand([2, 1, 3, 4]), rand([3, 4, 2])], (a, b) => a.matmul(b), (a, b) => matmulLoops(a, b, [2, 3, 3, 2])),
    ...one('matmul with transposed weight', [rand([3, 4]), rand([5, 4])], (a, w) => F.linear(a, w), (a, w) =>
      matmulLoops(a, { shape: [4, 5], data: Array.from({ length: 20 }, (_, i) => at(w, [i % 5, Math.floor(i / 5)])) }, [3, 5]),
    ),
  ],

  softmax: one('softmax middle axis', [rand([2, 5, 3], -3, 3)], (x) => x.softmax(1), (x) => alongAxis(x, 1, softmaxRow)),
  log_softmax: one('log_softmax', [rand([3, 5], -3, 3)], (x) => x.logSoftmax(-1), (x) => alongAxis(x, 1, (r) => softmaxRow(r).map(Math.log))),

  rms_norm: one('rms_norm', [rand([2, 3, 8]), rand([8], 0.5, 2)], (x, w) => F.rmsNorm(x, w, 1e-5), (x, w) =>
    alongAxis(x, 2, (r) => {
      const ms = r.reduce((a, v) => a + v * v, 0) / r.length;
      return r.map((v, k) => (v / Math.sqrt(ms + 1e-5)) * w.data[k]);
    }),
  ),
  layer_norm: one('layer_norm', [rand([3, 6], 1, 4), rand([6], 0.5, 2), rand([6])], (x, w, b) => F.layerNorm(x, w, b, 1e-5), (x, w, b) =>
    alongAxis(x, 1, (r) => {
      const mean = r.reduce((a, v) => a + v, 0) / r.length;
      const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
      return r.map((v, k) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w.data[k] + b.data[k]);
    }),
  ),
  rotary: one('rotary', [rand([1, 2, 3, 4]), rand([1, 1, 3, 4]), rand([1, 1, 3, 4])], (x, c, s) => F.rotary(x, c, s), (x, c, s) =>
    x.data.map((v, i) => {
      const idx = unravel(i, x.shape);
      const d = idx[3];
      const partner = d < 2 ? -at(x, [...idx.slice(0, 3), d + 2]) : at(x, [...idx.slice(0, 3), d - 2]);
      return v * at(c, idx) + partner * at(s, idx);
    }),
  ),
  attention: [
    ...one('causal GQA', [rand([1, 4, 3, 4]), rand([1, 2, 3, 4]), rand([1, 2, 3, 4])], (q, k, v) => F.attention(q, k, v), (q, k, v) => attentionLoops(q, k, v, null, true, 0.5)),
    ...one('padding mask, not causal', [rand([2, 2, 2, 4]), rand([2, 1, 3, 4]), rand([2, 1, 3, 4]), bools([2, 1, 1, 3], [1, 1, 0, 0, 1, 1])], (q, k, v, m) =>
      F.attention(q, k, v, { mask: m, causal: false, scale: 0.7 }), (q, k, v, m) => attentionLoops(q, k, v, m, false, 0.7)),
    ...one('cached keys (T < S)', [rand([1, 2, 2, 4]), rand([1, 2, 5, 4]), rand([1, 2, 5, 4])], (q, k, v) => F.attention(q, k, v), (q, k, v) => attentionLoops(q, k, v, null, true, 0.5)),
    ...one('logit soft-capping', [rand([1, 4, 3, 4], -2, 2), rand([1, 2, 3, 4], -2, 2), rand([1, 2, 3, 4]), bools([1, 1, 3, 3], [1, 0, 0, 1, 1, 0, 0, 1, 1])], (q, k, v, m) =>
      F.attention(q, k, v, { mask: m, scale: 1.3, softcap: 1.5 }), (q, k, v, m) => attentionLoops(q, k, v, m, true, 1.3, 1.5)),
    ...one('fully masked row averages every value', [rand([1, 1, 2, 2]), rand([1, 1, 2, 2]), rand([1, 1, 2, 2]), bools([1, 1, 2, 2], [0, 0, 1, 1])], (q, k, v, m) =>
      F.attention(q, k, v, { mask: m }), (q, k, v, m) => attentionLoops(q, k, v, m, true, 1 / Math.SQRT2)),
  ],
  cross_entropy: [
    ...one('mean with ignore_index', [rand([4, 5], -3, 3), i64([4], [1, -100, 4, 0])], (l, y) => F.crossEntropy(l, y), (l, y) => crossEntropyLoops(l, y, 'mean')),
    ...one('sum', [rand([3, 5]), i64([3], [2, 2, -100])], (l, y) => F.crossEntropy(l, y, { reduction: 'sum' }), (l, y) => crossEntropyLoops(l, y, 'sum')),
    ...one('none', [rand([3, 4]), i64([3], [0, -100, 3])], (l, y) => F.crossEntropy(l, y, { reduction: 'none' }), (l, y) => crossEntropyLoops(l, y, 'none')),
    ...one('all ignored is 0', [rand([2, 3]), i64([2], [-100, -100])], (l, y) => F.crossEntropy(l, y), () => [0]),
  ],
  matmul_4bit: [
    // 16 × 32 weight: 512 codes, every byte value twice, 8 blocks of 64 (fused MatMulBnb4).
    ...one('nf4 x·Wᵀ, blocksize 64', [rand([2, 3, 32]), u8([256], [...ALL_BYTES]), rand([8], 0.5, 2)], (x, p, s) =>
      F.matmul4bit(x, p, s, { n: 16, k: 32, blocksize: 64, levels: BNB_NF4_LEVELS, quantType: 'nf4' }), (x, p, s) => matmul4bitLoops(x, p, s, 16, 32, 64, BNB_NF4_LEVELS, true)),
    ...one('fp4 g·W (transB false), blocksize 16', [rand([3, 16]), u8([256], [...ALL_BYTES]), rand([32], 0.5, 2)], (g, p, s) =>
      F.matmul4bit(g, p, s, { n: 16, k: 32, blocksize: 16, levels: BNB_FP4_LEVELS, quantType: 'fp4', transB: false }), (g, p, s) => matmul4bitLoops(g, p, s, 16, 32, 16, BNB_FP4_LEVELS, false)),
    // Not a bitsandbytes table, an odd element count and a block size the fused kernel lacks: the decomposition runs.
    ...one('own levels, 3 × 5, blocksize 4', [rand([2, 5]), u8([8], [0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x80]), rand([4], 0.5, 2)], (x, p, s) =>
      F.matmul4bit(x, p, s, { n: 3, k: 5, blocksize: 4, levels: Array.from({ length: 16 }, (_, c) => c / 4 - 2) }), (x, p, s) =>
      matmul4bitLoops(x, p, s, 3, 5, 4, Array.from({ length: 16 }, (_, c) => c / 4 - 2), true)),
  ],
  matmul_nbits: NBITS_CASES.flatMap(([name, attrs, lead]) => {
    const blocks = Math.ceil(attrs.k / attrs.blocksize);
    const blob = (attrs.blocksize * attrs.bits) / 8;
    const [packed, scales] = [u8([attrs.n, blocks, blob], bytes(attrs.n * blocks * blob)), rand([attrs.n * blocks], 0.01, 0.1)];
    // Fed, and as the constants a sampler bakes in (int8 activations are fused only for constant weights).
    return [
      ...one(`${name}, weights fed`, [rand([...lead, attrs.k]), packed, scales], (x, p, s) => F.matmulNbits(x, p, s, attrs), (x, p, s) => matmulNbitsLoops(x, p, s, attrs)),
      ...one(`${name}, constant weights`, [rand([...lead, attrs.k])], (x) => F.matmulNbits(x, Tensor.constant(packed), Tensor.constant(scales), attrs), (x) => matmulNbitsLoops(x, nd(packed), nd(scales), attrs)),
    ];
  }),
};
