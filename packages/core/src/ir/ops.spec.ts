import { afterAll, describe, expect, it } from 'vitest';
import type { Executor } from '../executors/executor.interface.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { type OpInput, checkOp } from '../testing/check-op.js';
import { ALL_OPS, type Op } from './ops.js';
import { opSuiteExecutor } from '../testing/op-suite-executor.js';
import { ALL_BYTES, BNB_FP4_LEVELS, BNB_NF4_LEVELS } from '../testing/bnb-levels.test-support.js';

interface OpCase {
  name: string;
  fn: (...x: Tensor[]) => Tensor;
  inputs: OpInput[];
}

const f = (...shape: number[]): OpInput => ({ shape });
const pos = (...shape: number[]): OpInput => ({ shape, low: 0.5, high: 2 });
const fixed = (...shape: number[]): OpInput => ({ shape, grad: false });
const ints = (shape: number[], values: number[]): OpInput => ({ shape, dtype: 'i64', values });
const bools = (shape: number[], values: number[]): OpInput => ({ shape, dtype: 'bool', values });
const one = (name: string, fn: OpCase['fn'], ...inputs: OpInput[]): OpCase[] => [{ name, fn, inputs }];

/** Every op of the IR with at least one case; the type makes a new op fail to compile until it has one. */
const u8 = (shape: number[], values: readonly number[]): OpInput => ({ shape, dtype: 'u8', values: [...values] });

const CASES: Record<Op, OpCase[]> = {
  input: one('fed input', (x, y) => x.mul(y), { shape: [2, 3], feed: true }, f(2, 3)),
  param: one('parameter as output', (x) => x, f(2, 3)),
  const: one('constant operand', (x) => x.add(Tensor.fromValues([3], [1, -2, 0.5])), f(2, 3)),

  neg: one('neg', (x) => x.neg(), f(3, 4)),
  exp: one('exp', (x) => x.exp(), f(3, 4)),
  log: one('log', (x) => x.log(), pos(3, 4)),
  sqrt: one('sqrt', (x) => x.sqrt(), pos(3, 4)),
  rsqrt: one('rsqrt', (x) => x.rsqrt(), pos(3, 4)),
  abs: one('abs', (x) => x.abs(), f(3, 4)),
  tanh: one('tanh', (x) => x.tanh(), { shape: [3, 4], low: -3, high: 3 }),
  sigmoid: one('sigmoid', (x) => x.sigmoid(), { shape: [3, 4], low: -4, high: 4 }),
  relu: one('relu', (x) => x.relu(), f(3, 4)),
  gelu: [
    { name: 'gelu erf', fn: (x) => x.gelu('none'), inputs: [{ shape: [3, 4], low: -3, high: 3 }] },
    { name: 'gelu tanh', fn: (x) => x.gelu('tanh'), inputs: [{ shape: [3, 4], low: -3, high: 3 }] },
  ],
  silu: one('silu', (x) => x.silu(), { shape: [3, 4], low: -4, high: 4 }),
  erf: one('erf', (x) => x.erf(), { shape: [3, 4], low: -2, high: 2 }),
  sin: one('sin', (x) => x.sin(), { shape: [3, 4], low: -3, high: 3 }),
  cos: one('cos', (x) => x.cos(), { shape: [3, 4], low: -3, high: 3 }),
  // Finite differences see through a detach, so only the other operand is differentiated here;
  // grad.spec.ts checks that no gradient flows back through it.
  stop_gradient: one('stop_gradient passes values', (x, y) => x.detach().mul(y), { shape: [2, 3], grad: false }, f(2, 3)),
  not: one('not', (m) => m.not(), bools([2, 3], [1, 0, 0, 1, 1, 0])),
  cast: [
    { name: 'cast f32 -> i64 truncates', fn: (x) => x.mul(3).cast('i64'), inputs: [f(3, 4)] },
    { name: 'cast bool -> f32 gates a gradient', fn: (x) => x.gt(0).cast('f32').mul(x), inputs: [f(3, 4)] },
    { name: 'cast i64 -> f32', fn: (i, x) => i.cast('f32').mul(x), inputs: [ints([4], [3, -1, 0, 7]), f(4)] },
    // In range only: C++ leaves out-of-range float -> int8 undefined, so executors may differ there.
    { name: 'cast f32 -> i8 truncates', fn: (x, y) => x.mul(100).cast('i8').cast('f32').mul(y), inputs: [{ shape: [3, 4], grad: false }, f(3, 4)] },
    // The wrapped int8 value feeds the next op, so an executor that does not wrap in-graph differs.
    { name: 'cast i64 -> i8 wraps', fn: (i, y) => i.cast('i8').cast('f32').mul(y), inputs: [ints([4], [300, -129, 5, -128]), f(4)] },
    // Row-wise int8 dequantization (LLM.int8 weights): the gradient reaches the f32 scales through the cast.
    { name: 'cast i8 -> f32 scaled per row', fn: (q, s) => q.cast('f32').mul(s), inputs: [{ shape: [2, 3], dtype: 'i8', values: [-128, -1, 0, 1, 64, 127] }, f(2, 1)] },
  ],

  add: one('add broadcast', (a, b) => a.add(b), f(2, 3, 4), f(3, 1)),
  sub: one('sub broadcast', (a, b) => a.sub(b), f(2, 1, 4), f(3, 4)),
  mul: one('mul broadcast', (a, b) => a.mul(b), f(2, 3, 4), f(4)),
  div: one('div broadcast', (a, b) => a.div(b), f(2, 3), pos(2, 1)),
  pow: one('pow', (a, b) => a.pow(b), pos(2, 3), { shape: [3], low: -1, high: 2 }),
  maximum: one('maximum', (a, b) => a.maximum(b), f(3, 4), f(4)),
  minimum: one('minimum', (a, b) => a.minimum(b), f(3, 4), f(3, 1)),
  eq: one('eq on ints', (a, b) => a.eq(b), ints([4], [1, 2, 3, 4]), ints([4], [1, 0, 3, 5])),
  ne: one('ne on ints', (a, b) => a.ne(b), ints([4], [1, 2, 3, 4]), ints([1], [2])),
  lt: one('lt', (a, b) => a.lt(b), f(3, 4), f(4)),
  le: one('le', (a, b) => a.le(b), f(3, 4), f(3, 1)),
  gt: one('gt', (a, b) => a.gt(b), f(3, 4), f(4)),
  ge: one('ge', (a, b) => a.ge(b), f(3, 4), f(4)),
  and: one('and', (a, b) => a.and(b), bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0])),
  or: one('or', (a, b) => a.or(b), bools([2, 2], [1, 1, 0, 0]), bools([2], [1, 0])),
  where: one('where broadcast', (c, a, b) => Tensor.where(c, a, b), bools([2, 3], [1, 0, 1, 0, 0, 1]), f(2, 3), f(3)),

  sum: [
    { name: 'sum all', fn: (x) => x.sum(), inputs: [f(2, 3, 4)] },
    { name: 'sum axes keepdim', fn: (x) => x.sum([0, 2], true), inputs: [f(2, 3, 4)] },
  ],
  mean: one('mean axis', (x) => x.mean(1), f(2, 3, 4)),
  max: [
    { name: 'max axis', fn: (x) => x.max(-1), inputs: [f(3, 5)] },
    { name: 'max all keepdim', fn: (x) => x.max(undefined, true), inputs: [f(3, 5)] },
  ],
  logsumexp: one('logsumexp', (x) => x.logsumexp(-1, true), { shape: [3, 5], low: -5, high: 5 }),

  reshape: one('reshape', (x) => x.reshape(4, -1).mul(Tensor.fromValues([4, 3], [...Array(12).keys()])), f(2, 6)),
  permute: one('permute', (x) => x.permute(2, 0, 1), f(2, 3, 4)),
  slice: [
    { name: 'slice', fn: (x) => x.slice(1, 1, 3), inputs: [f(2, 4, 3)] },
    { name: 'slice step 2', fn: (x) => x.slice(0, 1, 6, 2), inputs: [f(7, 2)] },
    { name: 'slice step 3', fn: (x) => x.slice(1, 0, 8, 3), inputs: [f(2, 8)] },
  ],
  concat: one('concat', (a, b, c) => Tensor.concat([a, b, c], 1), f(2, 1, 3), f(2, 2, 3), f(2, 3, 3)),
  expand: one('expand', (x) => x.expand(3, 2, 4), f(2, 1)),
  pad: one('pad', (x) => x.pad([[1, 0], [2, 3]], 0.5), f(2, 3)),
  split: [
    { name: 'split middle piece', fn: (x) => x.split([1, 2, 1], 1)[1], inputs: [f(2, 4, 3)] },
    { name: 'split pieces recombined', fn: (x) => { const [a, b] = x.split(2, 0); return a.mul(b.exp()); }, inputs: [f(4, 3)] },
  ],

  gather: [
    { name: 'embedding lookup with repeats', fn: (w, ids) => w.gather(0, ids), inputs: [f(5, 3), ints([2, 3], [0, 4, 4, 1, 0, 2])] },
    { name: 'gather axis 1', fn: (w, ids) => w.gather(1, ids), inputs: [f(2, 4, 3), ints([3], [3, 0, 3])] },
  ],
  take_along_axis: one('take_along_axis', (x, i) => x.takeAlongAxis(i, 1), f(3, 4), ints([3, 2], [0, 3, 1, 1, 2, 0])),
  scatter_add: [
    { name: 'scatter_add repeats', fn: (b, i, u) => b.scatterAdd(0, i, u), inputs: [f(3, 4), ints([2, 4], [0, 2, 2, 1, 0, 0, 2, 1]), f(2, 4)] },
    { name: 'scatter_add partial window', fn: (b, i, u) => b.scatterAdd(1, i, u), inputs: [f(3, 4), ints([2, 2], [3, 0, 3, 3]), f(2, 2)] },
    // Mixture-of-experts combine: each token's k weighted expert outputs summed into its row.
    { name: 'scatter_add routing combine', fn: (b, i, u) => b.scatterAdd(0, i, u), inputs: [{ shape: [3, 4], values: Array(12).fill(0), grad: false }, ints([4, 4], [0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1]), f(4, 4)] },
  ],
  topk: [
    { name: 'topk values last axis', fn: (x) => x.topk(2)[0], inputs: [f(3, 5)] },
    { name: 'topk values middle axis', fn: (x) => x.topk(3, 1)[0], inputs: [f(2, 4, 3)] },
    // Router: softmax, top-k, renormalised weights times the chosen rows (gather by the top-k positions).
    {
      name: 'topk routing weights and positions',
      fn: (logits, table) => {
        const [w, idx] = logits.softmax(-1).topk(2);
        const picked = table.gather(0, idx);
        return w.div(w.sum(-1, true)).unsqueeze(-1).mul(picked);
      },
      inputs: [f(3, 4), f(4, 2)],
    },
  ],
  range: one('range offsets a float input', (x) => x.mul(Tensor.range(1, 4).cast('f32')), f(2, 3)),

  matmul: [
    { name: 'matmul 2d', fn: (a, b) => a.matmul(b), inputs: [f(3, 4), f(4, 2)] },
    { name: 'matmul batch x weight', fn: (a, b) => a.matmul(b), inputs: [f(2, 3, 4), f(4, 5)] },
    { name: 'matmul broadcast batch', fn: (a, b) => a.matmul(b), inputs: [f(2, 1, 3, 4), f(3, 4, 2)] },
  ],

  softmax: one('softmax', (x) => x.softmax(1), { shape: [2, 5, 3], low: -3, high: 3 }),
  log_softmax: one('log_softmax', (x) => x.logSoftmax(-1), { shape: [3, 5], low: -3, high: 3 }),

  rms_norm: one('rms_norm', (x, w) => F.rmsNorm(x, w, 1e-5), f(2, 3, 8), pos(8)),
  layer_norm: one('layer_norm', (x, w, b) => F.layerNorm(x, w, b, 1e-5), f(3, 6), pos(6), f(6)),
  rotary: one('rotary', (x, c, s) => F.rotary(x, c, s), f(1, 2, 3, 4), f(1, 1, 3, 4), f(1, 1, 3, 4)),
  attention: [
    { name: 'attention causal GQA', fn: (q, k, v) => F.attention(q, k, v), inputs: [f(1, 4, 3, 4), f(1, 2, 3, 4), f(1, 2, 3, 4)] },
    {
      name: 'attention padding mask, not causal',
      fn: (q, k, v, m) => F.attention(q, k, v, { mask: m, causal: false, scale: 0.7 }),
      inputs: [f(2, 2, 2, 4), f(2, 1, 3, 4), f(2, 1, 3, 4), bools([2, 1, 1, 3], [1, 1, 0, 0, 1, 1])],
    },
    // A row with no visible key averages every value; its q and k gradients are torch's, not the
    // derivative finite differences see (attention.rule.spec.ts checks them), so only v is differentiated here.
    { name: 'attention more queries than keys: an unseen row averages every value', fn: (q, k, v) => F.attention(q, k, v), inputs: [fixed(1, 1, 3, 2), fixed(1, 1, 2, 2), f(1, 1, 2, 2)] },
    { name: 'attention cached keys (T < S)', fn: (q, k, v) => F.attention(q, k, v), inputs: [f(1, 2, 2, 4), f(1, 2, 5, 4), f(1, 2, 5, 4)] },
    {
      // Scores of ±2 against a cap of 1.5: tanh is far from linear there, so the chain rule through it is exercised.
      name: 'attention with logit soft-capping, masked, GQA',
      fn: (q, k, v, m) => F.attention(q, k, v, { mask: m, scale: 1.3, softcap: 1.5 }),
      inputs: [{ shape: [1, 4, 3, 4], low: -1.5, high: 1.5 }, { shape: [1, 2, 3, 4], low: -1.5, high: 1.5 }, f(1, 2, 3, 4), bools([1, 1, 3, 3], [1, 0, 0, 1, 1, 0, 0, 1, 1])],
    },
    {
      name: 'attention fully masked row averages every value',
      fn: (q, k, v, m) => F.attention(q, k, v, { mask: m }),
      inputs: [fixed(1, 1, 2, 2), fixed(1, 1, 2, 2), f(1, 1, 2, 2), bools([1, 1, 2, 2], [0, 0, 1, 1])],
    },
  ],
  cross_entropy: [
    { name: 'cross_entropy mean with ignore_index', fn: (l, y) => F.crossEntropy(l, y), inputs: [{ shape: [4, 5], low: -3, high: 3 }, ints([4], [1, -100, 4, 0])] },
    { name: 'cross_entropy sum', fn: (l, y) => F.crossEntropy(l, y, { reduction: 'sum' }), inputs: [f(3, 5), ints([3], [2, 2, -100])] },
    { name: 'cross_entropy none over [B, T, C]', fn: (l, y) => F.crossEntropy(l, y, { reduction: 'none' }), inputs: [f(2, 2, 3), ints([2, 2], [0, 2, -100, 1])] },
    { name: 'cross_entropy all ignored is 0', fn: (l, y) => F.crossEntropy(l, y), inputs: [f(2, 3), ints([2], [-100, -100])] },
  ],
  // The scales are differentiated too (finite differences check the rule's dW-through-levels path).
  matmul_4bit: [
    { name: 'nf4 x·Wᵀ (fused in ORT)', fn: (x, p, s) => F.matmul4bit(x, p, s, { n: 16, k: 32, blocksize: 64, levels: BNB_NF4_LEVELS, quantType: 'nf4' }), inputs: [f(3, 32), u8([256], ALL_BYTES), pos(8)] },
    { name: 'fp4 g·W (an input gradient: decomposed in ORT)', fn: (g, p, s) => F.matmul4bit(g, p, s, { n: 16, k: 32, blocksize: 16, levels: BNB_FP4_LEVELS, quantType: 'fp4', transB: false }), inputs: [f(2, 16), u8([256], ALL_BYTES), pos(32)] },
    { name: 'own levels, odd size (decomposed)', fn: (x, p, s) => F.matmul4bit(x, p, s, { n: 3, k: 5, blocksize: 4, levels: Array.from({ length: 16 }, (_, c) => c / 4 - 2) }), inputs: [f(2, 5), u8([8], [0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x80]), pos(4)] },
  ],
  // Rounding activations to 8 bits is a step function, so finite differences only see the scales there.
  matmul_nbits: [
    { name: 'int4, K 40 in blocks of 16 (fused in ORT)', fn: (x, p, s) => F.matmulNbits(x, p, s, { n: 3, k: 40, bits: 4, blocksize: 16, activationBits: null }), inputs: [f(2, 40), u8([3, 3, 8], Array.from({ length: 72 }, (_, i) => (i * 37) % 256)), pos(9)] },
    { name: 'int8, int8 activations (x held)', fn: (x, p, s) => F.matmulNbits(x, p, s, { n: 2, k: 32, bits: 8, blocksize: 16, activationBits: 8 }), inputs: [fixed(3, 32), u8([2, 2, 16], Array.from({ length: 64 }, (_, i) => (i * 41 + 3) % 256)), pos(4)] },
    { name: 'int8, blocks of 12 (decomposed)', fn: (x, p, s) => F.matmulNbits(x, p, s, { n: 2, k: 20, bits: 8, blocksize: 12, activationBits: null }), inputs: [f(2, 20), u8([2, 2, 12], Array.from({ length: 48 }, (_, i) => (i * 53 + 7) % 256)), pos(4)] },
  ],
};

describe('every op: executor vs reference forward, rules vs finite differences (f64), executor vs reference gradients', () => {
  const executor: Executor = opSuiteExecutor();
  afterAll(() => executor.dispose());

  it('covers the whole op set', () => {
    expect(Object.keys(CASES).sort()).toEqual([...ALL_OPS].sort());
  });

  for (const op of ALL_OPS) {
    for (const c of CASES[op]) {
      it(`${op}: ${c.name}`, async () => {
        const report = await checkOp(c.name, c.fn, c.inputs, { executor });
        expect(report.forwardMaxError).toBeLessThan(1e-4);
        const differentiable = c.inputs.some((i) => (i.dtype ?? 'f32') === 'f32' && !i.feed && i.grad !== false);
        if (differentiable && c.fn(...c.inputs.map((i) => Tensor.input('probe', i.shape, i.dtype ?? 'f32'))).dtype === 'f32') {
          expect(report.checkedGradients).toBeGreaterThan(0);
        }
      });
    }
  }
});
