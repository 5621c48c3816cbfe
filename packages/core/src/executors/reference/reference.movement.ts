import type { Kernel } from './reference.kernels.js';
import {
  type Precision,
  type RefValue,
  allocValue,
  broadcastStrides,
  contiguousStrides,
  stridedOffsets,
} from './reference.values.js';
import type { Node } from '../../ir/node.js';

/** out[i] = x[offsets[i]]: every movement op is a gather through strided offsets. */
function pick(x: RefValue, node: Node, precision: Precision, offsets: Int32Array): RefValue {
  const out = allocValue(node.dtype, node.shape, precision);
  const src = x.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) dst[i] = src[offsets[i]];
  return out;
}

/** Offsets of the window `[starts[k], starts[k] + steps[k] * out[k])` of x, axis by axis. */
function windowOffsets(x: RefValue, outShape: readonly number[], starts: number[], steps: number[]): Int32Array {
  const strides = contiguousStrides(x.shape);
  const base = strides.reduce((acc, s, k) => acc + s * starts[k], 0);
  return stridedOffsets(
    outShape,
    strides.map((s, k) => s * steps[k]),
    base,
  );
}

export const MOVEMENT_KERNELS: {
  [O in 'reshape' | 'permute' | 'slice' | 'concat' | 'expand' | 'pad' | 'split']: Kernel<O>;
} = {
  // A copy rather than a shared buffer: values never alias, so the executor may normalise any result in place.
  reshape: ([x], node) => ({ dtype: x.dtype, shape: [...node.shape], data: x.data.slice() }),

  permute: ([x], node, precision) => {
    const strides = contiguousStrides(x.shape);
    return pick(x, node, precision, stridedOffsets(node.shape, node.attrs.perm.map((p) => strides[p])));
  },

  slice: ([x], node, precision) => {
    const starts = x.shape.map(() => 0);
    const steps = x.shape.map(() => 1);
    node.attrs.axes.forEach((ax, k) => {
      starts[ax] = node.attrs.starts[k];
      steps[ax] = node.attrs.steps[k];
    });
    return pick(x, node, precision, windowOffsets(x, node.shape, starts, steps));
  },

  split: ([x], node, precision) => {
    const { axis, sizes, index } = node.attrs;
    const starts = x.shape.map(() => 0);
    starts[axis] = sizes.slice(0, index).reduce((a, b) => a + b, 0);
    return pick(x, node, precision, windowOffsets(x, node.shape, starts, x.shape.map(() => 1)));
  },

  expand: ([x], node, precision) => pick(x, node, precision, stridedOffsets(node.shape, broadcastStrides(x.shape, node.shape))),

  concat: (inputs, node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    const axis = node.attrs.axis;
    const outer = node.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = node.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outRow = node.shape[axis] * inner;
    let col = 0;
    for (const x of inputs) {
      const row = x.shape[axis] * inner;
      for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * row, (o + 1) * row), o * outRow + col);
      col += row;
    }
    return out;
  },

  pad: ([x], node, precision) => {
    const out = allocValue(node.dtype, node.shape, precision);
    out.data.fill(node.attrs.value);
    const outStrides = contiguousStrides(node.shape);
    const base = outStrides.reduce((acc, s, k) => acc + s * node.attrs.pads[k][0], 0);
    // Scatter x into the interior: the inverse of a window read.
    const offsets = stridedOffsets(x.shape, outStrides, base);
    for (let i = 0; i < offsets.length; i++) out.data[offsets[i]] = x.data[i];
    return out;
  },
};
