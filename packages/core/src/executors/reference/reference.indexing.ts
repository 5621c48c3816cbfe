import { numel } from '../../dtype.js';
import type { Node } from '../../ir/node.js';
import type { Kernel } from './reference.kernels.js';
import { allocValue, contiguousStrides, stridedOffsets } from './reference.values.js';

/** Checks an index before use: a bad token id should name the module that looked it up. */
function checkIndex(node: Node, v: number, size: number, axis: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= size) {
    const where = node.scope ? ` at ${node.scope}` : '';
    throw new Error(`${node.op}${where}: index ${v} out of range [0, ${size}) on axis ${axis}`);
  }
  return v;
}

const prod = (dims: readonly number[]): number => numel(dims);

/** Larger first, NaN above everything, ties by position: torch.topk's order. */
const descending = (row: ArrayLike<number>) => (p: number, q: number): number => {
  const [a, b] = [row[p], row[q]];
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? p - q : -1) : 1;
  return a !== b ? b - a : p - q;
};

export const INDEXING_KERNELS: { [O in 'gather' | 'take_along_axis' | 'scatter_add' | 'topk' | 'range']: Kernel<O> } = {
  // out[o, t, j] = data[o, idx[t], j] with o over data[:axis], t over indices, j over data[axis+1:].
  gather: ([data, idx], node, precision) => {
    const axis = node.attrs.axis;
    const outer = prod(data.shape.slice(0, axis));
    const inner = prod(data.shape.slice(axis + 1));
    const size = data.shape[axis];
    const nIdx = idx.data.length;
    const rows = Array.from(idx.data, (v) => checkIndex(node, v, size, axis));
    const out = allocValue(node.dtype, node.shape, precision);
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < nIdx; t++) {
        const from = (o * size + rows[t]) * inner;
        out.data.set(data.data.subarray(from, from + inner), (o * nIdx + t) * inner);
      }
    }
    return out;
  },

  // out[o, t, j] = data[o, idx[o, t, j], j]; indices and data agree on every axis but `axis`.
  take_along_axis: ([data, idx], node, precision) => {
    const axis = node.attrs.axis;
    const outer = prod(idx.shape.slice(0, axis));
    const inner = prod(idx.shape.slice(axis + 1));
    const n = idx.shape[axis];
    const size = data.shape[axis];
    const out = allocValue(node.dtype, node.shape, precision);
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < n; t++) {
        for (let j = 0; j < inner; j++) {
          const i = (o * n + t) * inner + j;
          out.data[i] = data.data[(o * size + checkIndex(node, idx.data[i], size, axis)) * inner + j];
        }
      }
    }
    return out;
  },

  // out = base; out[p with axis coordinate replaced by idx[p]] += updates[p], in index order (torch.scatter_add).
  scatter_add: ([base, idx, updates], node, precision) => {
    const axis = node.attrs.axis;
    const out = allocValue(node.dtype, node.shape, precision);
    out.data.set(base.data);
    const strides = contiguousStrides(base.shape);
    // Indices may be smaller than base on the other axes, so positions map through base's strides.
    const offsets = stridedOffsets(
      idx.shape,
      strides.map((s, k) => (k === axis ? 0 : s)),
    );
    const size = base.shape[axis];
    for (let i = 0; i < offsets.length; i++) {
      out.data[offsets[i] + checkIndex(node, idx.data[i], size, axis) * strides[axis]] += updates.data[i];
    }
    return out;
  },

  // Each row along `axis` is sorted once; the node keeps its values (index 0) or positions (index 1).
  topk: ([x], node, precision) => {
    const { axis, k, index } = node.attrs;
    const outer = prod(x.shape.slice(0, axis));
    const inner = prod(x.shape.slice(axis + 1));
    const n = x.shape[axis];
    const out = allocValue(node.dtype, node.shape, precision);
    const row = new Float64Array(n);
    const order = Array.from({ length: n }, (_, t) => t);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        for (let t = 0; t < n; t++) row[t] = x.data[(o * n + t) * inner + j];
        order.forEach((_, t) => (order[t] = t));
        order.sort(descending(row));
        for (let t = 0; t < k; t++) out.data[(o * k + t) * inner + j] = index === 0 ? row[order[t]] : order[t];
      }
    }
    return out;
  },

  range: (_, node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    out.data.forEach((_, i) => (out.data[i] = node.attrs.start + i));
    return out;
  },
};
