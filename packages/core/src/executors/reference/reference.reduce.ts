import { numel } from '../../dtype.js';
import type { Node } from '../../ir/node.js';
import type { Kernel } from './reference.kernels.js';
import {
  type Precision,
  type RefValue,
  allocValue,
  broadcastStrides,
  contiguousStrides,
  stridedOffsets,
} from './reference.values.js';

/** Folds the reduced elements of one output element (given their values in `xs`, reused between calls). */
type Fold = (xs: Float64Array) => number;

/**
 * out[o] = fold(x[kept[o] + red[r]] for all r): offsets of the kept axes and of the reduced axes
 * separately, so any set of axes reduces with the same two loops. Folds run in double.
 */
function reduceKernel(fold: Fold): Kernel<'sum' | 'mean' | 'max' | 'logsumexp'> {
  return ([x], node, precision) => {
    // keepdim only changes the output shape, which node.shape already has.
    const { axes } = node.attrs;
    const all = axes.length === 0;
    const strides = contiguousStrides(x.shape);
    const isRed = (k: number) => all || axes.includes(k);
    const keptAxes = x.shape.map((_, k) => k).filter((k) => !isRed(k));
    const redAxes = x.shape.map((_, k) => k).filter(isRed);
    const kept = stridedOffsets(
      keptAxes.map((k) => x.shape[k]),
      keptAxes.map((k) => strides[k]),
    );
    const red = stridedOffsets(
      redAxes.map((k) => x.shape[k]),
      redAxes.map((k) => strides[k]),
    );
    const out = allocValue(node.dtype, node.shape, precision);
    const xs = new Float64Array(red.length);
    for (let o = 0; o < kept.length; o++) {
      for (let r = 0; r < red.length; r++) xs[r] = x.data[kept[o] + red[r]];
      out.data[o] = fold(xs);
    }
    return out;
  };
}

const sum: Fold = (xs) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
};

const max: Fold = (xs) => {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i]); // Math.max propagates NaN
  return m;
};

/** max + log Σ exp(x - max): never overflows; an all -inf (or +inf) input returns the max itself. */
const logsumexp: Fold = (xs) => {
  const m = max(xs);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i] - m);
  return m + Math.log(s);
};

/** Applies `f` to each line along `axis` (values copied to a double scratch line, results written back). */
function lineKernel(f: (line: Float64Array) => void): Kernel<'softmax' | 'log_softmax'> {
  return ([x], node, precision) => {
    const axis = node.attrs.axis;
    const n = x.shape[axis];
    const inner = numel(x.shape.slice(axis + 1));
    const outer = numel(x.shape.slice(0, axis));
    const out = allocValue(node.dtype, node.shape, precision);
    const line = new Float64Array(n);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        for (let t = 0; t < n; t++) line[t] = x.data[base + t * inner];
        f(line);
        for (let t = 0; t < n; t++) out.data[base + t * inner] = line[t];
      }
    }
    return out;
  };
}

// Both subtract the max first so large logits (1000, 1001) do not overflow exp.
const softmaxLine = (line: Float64Array): void => {
  const m = max(line);
  let s = 0;
  for (let t = 0; t < line.length; t++) s += line[t] = Math.exp(line[t] - m);
  for (let t = 0; t < line.length; t++) line[t] /= s;
};

const logSoftmaxLine = (line: Float64Array): void => {
  const m = max(line);
  let s = 0;
  for (let t = 0; t < line.length; t++) s += Math.exp(line[t] - m);
  // (x - max) - log(s), not x - (max + log(s)): the latter rounds at the magnitude of max.
  const logS = Math.log(s);
  for (let t = 0; t < line.length; t++) line[t] = line[t] - m - logS;
};

/**
 * Batched matmul with numpy broadcasting over the leading axes: per batch an i-k-j loop into a
 * double accumulator row, so the f32 result is rounded once per element.
 */
function matmul([a, b]: RefValue[], node: Node, precision: Precision): RefValue {
  const [m, kDim] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = node.shape.slice(0, -2);
  const batchOffsets = (x: RefValue, mat: number) =>
    stridedOffsets(
      batch,
      broadcastStrides(x.shape.slice(0, -2), batch).map((s) => s * mat),
    );
  const ao = batchOffsets(a, m * kDim);
  const bo = batchOffsets(b, kDim * n);
  const out = allocValue(node.dtype, node.shape, precision);
  const acc = new Float64Array(n);
  const [da, db] = [a.data, b.data];
  for (let p = 0; p < ao.length; p++) {
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let k = 0; k < kDim; k++) {
        const aik = da[ao[p] + i * kDim + k];
        const row = bo[p] + k * n;
        for (let j = 0; j < n; j++) acc[j] += aik * db[row + j];
      }
      out.data.set(acc, (p * m + i) * n);
    }
  }
  return out;
}

export const REDUCE_KERNELS: {
  [O in 'sum' | 'mean' | 'max' | 'logsumexp' | 'softmax' | 'log_softmax' | 'matmul']: Kernel<O>;
} = {
  sum: reduceKernel(sum),
  mean: reduceKernel((xs) => sum(xs) / xs.length),
  max: reduceKernel(max),
  logsumexp: reduceKernel(logsumexp),
  softmax: lineKernel(softmaxLine),
  log_softmax: lineKernel(logSoftmaxLine),
  matmul,
};
