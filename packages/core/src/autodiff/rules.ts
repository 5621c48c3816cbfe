import { isFloat } from '../dtype.js';
import { attentionProbs, attentionScores, decompose, dequantizeNbits, nbitsCodes, roundActivationBlocks, unpack4bitLevels } from '../tensor/decompositions.js';
import type { Node } from '../ir/node.js';
import type { CompositeOp, Op, OpAttrs } from '../ir/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { inversePermutation, reducedCount, sumTo, unreduce, zeros } from './grad-helpers.js';
import { backpropagate } from './backprop.js';

export interface GradContext<O extends Op> {
  node: Node<O>;
  attrs: OpAttrs<O>;
  /** The op's inputs and output as tensors of the forward graph. */
  x: Tensor[];
  out: Tensor;
}

/** Gradient of the loss with respect to each input of the op, or null where none flows (indices, masks). */
export type GradRule<O extends Op> = (g: Tensor, ctx: GradContext<O>) => (Tensor | null)[];

const none: GradRule<Op> = (_g, { x }) => x.map(() => null);

/** Differentiates a composite op through its decomposition (exact; ORT's CSE shares the recomputed forward). */
const viaDecomposition: GradRule<CompositeOp> = (g, { node, x }) => {
  const out = decompose(node.op, x, node.attrs as never);
  return backpropagate(out, g, x);
};

const sign = (t: Tensor) => Tensor.where(t.gt(0), 1, Tensor.where(t.lt(0), -1, 0));

function maxGrad(g: Tensor, x: Tensor, out: Tensor, axes: number[], keepdim: boolean): Tensor {
  // Ties share the gradient evenly, as torch.amax does.
  const hit = x.eq(unreduce(out, x.shape, axes, keepdim)).cast(x.dtype);
  const ties = hit.sum(axes.length ? axes : x.shape.map((_, k) => k), true);
  return unreduce(g, x.shape, axes, keepdim).mul(hit).div(ties);
}

/** Gradient of a strided slice: the values go back to their positions, zeros elsewhere. */
function unslice(g: Tensor, inShape: readonly number[], a: OpAttrs<'slice'>): Tensor {
  let t = g;
  a.axes.forEach((axis, k) => {
    const [start, step] = [a.starts[k], a.steps[k]];
    const n = inShape[axis];
    const m = t.shape[axis];
    if (step > 1) {
      // Interleave step-1 zeros after each kept element, then trim to the covered span.
      const pads = t.shape.map((): [number, number] => [0, 0]);
      const withGap = t.unsqueeze(axis + 1).pad([...pads.slice(0, axis + 1), [0, step - 1], ...pads.slice(axis + 1)]);
      const dims = [...t.shape];
      dims[axis] = m * step;
      t = withGap.reshape(dims).slice(axis, 0, Math.min(m * step, n - start));
    }
    const pads = t.shape.map((): [number, number] => [0, 0]);
    pads[axis] = [start, n - start - t.shape[axis]];
    t = t.pad(pads);
  });
  return t;
}

/** Indices of `gather` widened to the gradient's shape, for a scatter_add back into the table. */
function gatherGrad(g: Tensor, data: Tensor, idx: Tensor, axis: number): Tensor {
  const m = idx.shape.reduce((p, d) => p * d, 1);
  const flatShape = [...data.shape.slice(0, axis), m, ...data.shape.slice(axis + 1)];
  const gFlat = g.reshape(flatShape);
  const idxFlat = idx
    .reshape(flatShape.map((d, k) => (k === axis ? m : 1)))
    .expand(flatShape);
  return zeros(data.shape, g).scatterAdd(axis, idxFlat, gFlat);
}

function matmulGrad(g: Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] {
  // A rank-2 weight shared over a batch gets one large GEMM instead of a batched product and a sum.
  const k = a.dim(-1);
  const n = b.dim(-1);
  const da = sumTo(g.matmul(b.mT), a.shape);
  const db =
    b.rank === 2 && a.rank > 2
      ? a.reshape(-1, k).mT.matmul(g.reshape(-1, n))
      : sumTo(a.mT.matmul(g), b.shape);
  return [da, db];
}

/**
 * (softmax − onehot) · w per row, built to touch the [N, C] logits as few times as possible: the
 * probabilities come from the forward's log-softmax (shared after CSE) and the −w at each label is
 * a scatter of N values instead of a dense one-hot.
 */
function crossEntropyGrad(g: Tensor, logits: Tensor, labels: Tensor, a: OpAttrs<'cross_entropy'>): Tensor {
  const valid = labels.ne(a.ignoreIndex);
  const weight = valid.cast(logits.dtype);
  const perRow =
    a.reduction === 'none'
      ? g.mul(weight)
      : a.reduction === 'sum'
        ? weight.mul(g)
        : weight.mul(g.div(weight.sum().maximum(1)));
  const w = perRow.unsqueeze(1);
  return logits.logSoftmax(-1).exp().mul(w).scatterAdd(1, Tensor.where(valid, labels, 0).unsqueeze(1), w.neg());
}

/** The gradient rule of every op, in one table. A new op does not compile until it has one. */
export const GRAD_RULES: { [O in Op]: GradRule<O> } = {
  input: () => [],
  param: () => [],
  const: () => [],

  neg: (g) => [g.neg()],
  exp: (g, { out }) => [g.mul(out)],
  log: (g, { x }) => [g.div(x[0])],
  sqrt: (g, { out }) => [g.div(out.mul(2))],
  rsqrt: (g, { out }) => [g.mul(out.mul(out).mul(out)).mul(-0.5)],
  abs: (g, { x }) => [g.mul(sign(x[0]))],
  tanh: (g, { out }) => [g.mul(out.mul(out).neg().add(1))],
  sigmoid: (g, { out }) => [g.mul(out.mul(out.neg().add(1)))],
  relu: (g, { x }) => [Tensor.where(x[0].gt(0), g, 0)],
  gelu: (g, { x, attrs }) => {
    const v = x[0];
    if (attrs.approximate === 'tanh') {
      const c = Math.sqrt(2 / Math.PI);
      const t = v.mul(v).mul(v).mul(0.044715).add(v).mul(c).tanh();
      const dInner = v.mul(v).mul(3 * 0.044715).add(1).mul(c);
      return [g.mul(t.add(1).mul(0.5).add(v.mul(0.5).mul(t.mul(t).neg().add(1)).mul(dInner)))];
    }
    const cdf = v.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
    const pdf = v.mul(v).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
    return [g.mul(cdf.add(v.mul(pdf)))];
  },
  silu: (g, { x }) => {
    const s = x[0].sigmoid();
    return [g.mul(s.mul(x[0].mul(s.neg().add(1)).add(1)))];
  },
  erf: (g, { x }) => [g.mul(x[0].mul(x[0]).neg().exp().mul(2 / Math.sqrt(Math.PI)))],
  sin: (g, { x }) => [g.mul(x[0].cos())],
  cos: (g, { x }) => [g.mul(x[0].sin()).neg()],
  not: none,
  stop_gradient: none,
  cast: (g, { x }) => [isFloat(x[0].dtype) ? g.cast(x[0].dtype) : null],

  add: (g, { x }) => [sumTo(g, x[0].shape), sumTo(g, x[1].shape)],
  sub: (g, { x }) => [sumTo(g, x[0].shape), sumTo(g.neg(), x[1].shape)],
  mul: (g, { x }) => [sumTo(g.mul(x[1]), x[0].shape), sumTo(g.mul(x[0]), x[1].shape)],
  div: (g, { x, out }) => [sumTo(g.div(x[1]), x[0].shape), sumTo(g.mul(out).div(x[1]).neg(), x[1].shape)],
  pow: (g, { x, out }) => [
    sumTo(g.mul(x[1]).mul(x[0].pow(x[1].sub(1))), x[0].shape),
    sumTo(g.mul(out).mul(x[0].log()), x[1].shape),
  ],
  maximum: (g, { x }) => {
    const first = x[0].ge(x[1]);
    return [sumTo(Tensor.where(first, g, 0), x[0].shape), sumTo(Tensor.where(first, 0, g), x[1].shape)];
  },
  minimum: (g, { x }) => {
    const first = x[0].le(x[1]);
    return [sumTo(Tensor.where(first, g, 0), x[0].shape), sumTo(Tensor.where(first, 0, g), x[1].shape)];
  },
  eq: none,
  ne: none,
  lt: none,
  le: none,
  gt: none,
  ge: none,
  and: none,
  or: none,
  where: (g, { x }) => [null, sumTo(Tensor.where(x[0], g, 0), x[1].shape), sumTo(Tensor.where(x[0], 0, g), x[2].shape)],

  sum: (g, { x, attrs }) => [unreduce(g, x[0].shape, attrs.axes, attrs.keepdim)],
  mean: (g, { x, attrs }) => [unreduce(g, x[0].shape, attrs.axes, attrs.keepdim).div(reducedCount(x[0].shape, attrs.axes))],
  max: (g, { x, out, attrs }) => [maxGrad(g, x[0], out, attrs.axes, attrs.keepdim)],
  logsumexp: (g, { x, out, attrs }) => [
    unreduce(g, x[0].shape, attrs.axes, attrs.keepdim).mul(x[0].sub(unreduce(out, x[0].shape, attrs.axes, attrs.keepdim)).exp()),
  ],

  reshape: (g, { x }) => [g.reshape([...x[0].shape])],
  permute: (g, { attrs }) => [g.permute(...inversePermutation(attrs.perm))],
  slice: (g, { x, attrs }) => [unslice(g, x[0].shape, attrs)],
  concat: (g, { x, attrs }) => g.split(x.map((t) => t.shape[attrs.axis]), attrs.axis),
  expand: (g, { x }) => [sumTo(g, x[0].shape)],
  pad: (g, { x, attrs }) => {
    let t = g;
    attrs.pads.forEach(([before], axis) => (t = t.slice(axis, before, before + x[0].shape[axis])));
    return [t];
  },
  split: (g, { x, attrs }) => {
    const offset = attrs.sizes.slice(0, attrs.index).reduce((p, d) => p + d, 0);
    const pads = x[0].shape.map((): [number, number] => [0, 0]);
    pads[attrs.axis] = [offset, x[0].shape[attrs.axis] - offset - attrs.sizes[attrs.index]];
    return [g.pad(pads)];
  },

  gather: (g, { x, attrs }) => [gatherGrad(g, x[0], x[1], attrs.axis), null],
  take_along_axis: (g, { x, attrs }) => [zeros(x[0].shape, g).scatterAdd(attrs.axis, x[1], g), null],
  scatter_add: (g, { x, attrs }) => {
    let window = g;
    x[2].shape.forEach((d, k) => {
      if (k !== attrs.axis) window = window.slice(k, 0, d);
    });
    return [g, null, window.takeAlongAxis(x[1], attrs.axis)];
  },
  // The values' gradient goes back to the positions they came from; positions have none.
  topk: (g, { x, attrs }) => {
    if (attrs.index === 1) return [null];
    const [, positions] = x[0].topk(attrs.k, attrs.axis);
    return [zeros(x[0].shape, g).scatterAdd(attrs.axis, positions, g)];
  },
  range: () => [],

  matmul: (g, { x }) => matmulGrad(g, x[0], x[1]),

  softmax: (g, { out, attrs }) => [out.mul(g.sub(g.mul(out).sum(attrs.axis, true)))],
  log_softmax: (g, { out, attrs }) => [g.sub(out.exp().mul(g.sum(attrs.axis, true)))],

  rms_norm: (g, { x, attrs }) => {
    const [v, w] = x;
    const r = v.square().mean(-1, true).add(attrs.eps).rsqrt();
    const xhat = v.mul(r);
    const gw = g.mul(w);
    return [r.mul(gw.sub(xhat.mul(gw.mul(xhat).mean(-1, true)))), sumTo(g.mul(xhat), w.shape)];
  },
  layer_norm: viaDecomposition,
  rotary: viaDecomposition,
  attention: (g, ctx) => {
    // Same as the decomposition's backward, but built from the shared probability helper so the
    // forward scores are reused rather than traced twice.
    const [q, k, v, mask] = ctx.x;
    const [b, hq, t, d] = q.shape;
    const [, hkv, s] = k.shape;
    const gr = hq / hkv;
    const p = attentionProbs(q, k, mask, ctx.attrs).reshape(b, hkv, gr, t, s);
    const g5 = g.reshape(b, hkv, gr, t, d);
    const v5 = v.unsqueeze(2);
    const dv = p.mT.matmul(g5).sum(2);
    const dp = g5.matmul(v5.mT);
    const dCapped = p.mul(dp.sub(dp.mul(p).sum(-1, true)));
    // Through the soft cap c·tanh(s/c): d/ds = 1 - tanh², with tanh = capped / c.
    const cap = ctx.attrs.softcap;
    const ds = (cap === null ? dCapped : dCapped.mul(attentionScores(q, k, ctx.attrs).div(cap).square().neg().add(1).reshape(b, hkv, gr, t, s))).mul(ctx.attrs.scale);
    const dq = ds.matmul(k.unsqueeze(2)).reshape(b, hq, t, d);
    const dk = ds.mT.matmul(q.reshape(b, hkv, gr, t, d)).sum(2);
    return mask ? [dq, dk, dv, null] : [dq, dk, dv];
  },
  cross_entropy: (g, { x, attrs }) => [crossEntropyGrad(g, x[0], x[1], attrs), null],
  matmul_4bit: (g, { x, attrs }) => {
    const [a, packed, absmax] = x;
    // a·Wᵀ and a·W are each other's input gradient, through the same 4-bit weight.
    const da = Tensor.composite('matmul_4bit', [g, packed, absmax], { ...attrs, transB: !attrs.transB });
    // The scales' gradient needs dW [N, K] in full; it is traced lazily, so it costs nothing unless
    // a trainable value reaches the scales (never with frozen quantized weights).
    const [g2, a2] = [g.reshape(-1, g.dim(-1)), a.reshape(-1, a.dim(-1))];
    const dw = attrs.transB ? g2.mT.matmul(a2) : a2.mT.matmul(g2);
    const nBlocks = absmax.dim(0);
    const numel = attrs.n * attrs.k;
    const padded = nBlocks * attrs.blocksize;
    let flat = dw.reshape([numel]);
    if (padded > numel) flat = flat.pad([[0, padded - numel]]);
    const dAbsmax = flat.mul(unpack4bitLevels(packed, attrs)).reshape([nBlocks, attrs.blocksize]).sum(1);
    return [da, null, dAbsmax];
  },
  matmul_nbits: (g, { x, attrs }) => {
    const [a, packed, scales] = x;
    // Rounding the activations to 8 bits passes the gradient straight through, as quantization-aware training does.
    const da = g.matmul(dequantizeNbits(packed, scales, attrs));
    // dScale of a block: dW over the block (against the activations the product saw) times its codes.
    const seen = attrs.activationBits === 8 ? roundActivationBlocks(a, attrs) : a;
    const dw = g.reshape(-1, attrs.n).mT.matmul(seen.reshape(-1, attrs.k));
    const codes = nbitsCodes(packed, attrs);
    const [blocks, padded] = [codes.dim(1), codes.dim(1) * attrs.blocksize];
    const dwBlocks = (padded > attrs.k ? dw.pad([[0, 0], [0, padded - attrs.k]]) : dw).reshape(attrs.n, blocks, attrs.blocksize);
    return [da, null, dwBlocks.mul(codes).sum(2).reshape([attrs.n * blocks])];
  },
};
