import { describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import { HostTensor } from '../../host-tensor.js';
import { Tensor } from '../../tensor/tensor.js';
import { DynamicDims, dimName } from './onnx.dynamic-dims.js';

const SIZES = [
  { batch: 2, seq: 3 },
  { batch: 3, seq: 5 },
  { batch: 4, seq: 2 },
];

/** Traces `f` at each size and returns the dims found, with the first trace's nodes. */
function traced(f: (x: Tensor, sizes: { batch: number; seq: number }) => Tensor) {
  const traces = SIZES.map((sizes) => ({ nodes: new Graph([f(Tensor.input('x', [sizes.batch, sizes.seq, 4]), sizes).node]).nodes, sizes }));
  return { dims: new DynamicDims(traces), nodes: traces[0].nodes };
}

describe('DynamicDims', () => {
  it('finds each varying size as a product of the named sizes, fixed sizes as numbers', () => {
    const { dims, nodes } = traced((x, s) => x.reshape(s.batch * s.seq, 4).reshape(s.batch, 2 * s.seq, 2));
    const [input, flat, out] = nodes;
    expect(dims.shape(input).map(dimName)).toEqual(['batch', 'seq', 4]);
    expect(dims.shape(flat).map(dimName)).toEqual(['batch*seq', 4]);
    expect(dims.attr(out, 'shape')?.map(dimName)).toEqual(['batch', '2*seq', 2]);
    // A reshape whose target has no varying entry needs no run-time shape.
    const fixed = traced((x) => x.sum([0, 1]).reshape(2, 2));
    const reshape = fixed.nodes.find((n) => n.op === 'reshape')!;
    expect(fixed.dims.attr(reshape, 'shape')).toBeUndefined();
    expect(fixed.dims.shape(reshape)).toEqual([2, 2]);
  });

  it('refuses a constant whose value depends on the sizes, naming the node', () => {
    const ones = (s: { seq: number }) => Tensor.constant(HostTensor.f32([s.seq, 1], new Float32Array(s.seq).fill(1)));
    expect(() => traced((x, s) => x.add(ones(s)))).toThrow(/const#\d+.*is not the same computation at other sizes/);
  });

  it('refuses traces of different programs', () => {
    expect(() => new DynamicDims([{ nodes: [Tensor.input('x', [1]).node], sizes: { n: 1 } }])).toThrow(/at least two traces/);
  });
});
