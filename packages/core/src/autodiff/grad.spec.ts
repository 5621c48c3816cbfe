import { describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { topoSort } from '../ir/graph.js';
import { checkpointSegment } from '../ir/trace-context.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { Parameter } from '../ir/parameter.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { grad } from './grad.js';

const count = (outputs: Tensor[], op: string) => topoSort(outputs.map((t) => t.node)).filter((n) => n.op === op).length;

describe('grad', () => {
  const w = Parameter.fromValues([3, 2], [0.5, -1, 2, 0.25, -0.75, 1.5]);
  const x = Parameter.fromValues([4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);

  it('differentiates only paths that reach a trainable parameter: a frozen weight costs no weight gradient', () => {
    const loss = Tensor.param(x).matmul(Tensor.param(w).mT).tanh().sum();
    const [gx] = grad(loss, [x]);
    expect(count([loss, gx], 'matmul')).toBe(2); // forward and dL/dx; no dL/dW
    const [gx2, gw] = grad(loss, [x, w]);
    expect(count([loss, gx2, gw], 'matmul')).toBe(3);
  });

  it('gives zeros for a target the loss does not depend on, and refuses a non-scalar loss', async () => {
    const unused = Parameter.fromValues([2], [1, 1]);
    const loss = Tensor.param(x).sum();
    const [g] = await new ReferenceExecutor().compile(grad(loss, [unused])).run();
    expect(Array.from(g.toFloat32())).toEqual([0, 0]);
    expect(() => grad(Tensor.param(x), [x])).toThrow('loss must be a scalar');
  });

  it('accumulates gradients of a value used twice', async () => {
    const v = Tensor.param(x);
    const [g] = await new ReferenceExecutor().compile(grad(v.mul(v).add(v).sum(), [x])).run();
    expect(Array.from(g.toFloat32())).toEqual([3, 5, 7, 9, 11, 13, 15, 17]);
  });

  it('recomputes checkpointed segments in the backward pass with identical gradients', async () => {
    const trace = (checkpoint: boolean) => {
      const h = Tensor.param(x).matmul(Tensor.param(w).mT);
      const block = () => h.tanh().mul(h.sigmoid()).exp();
      const y = checkpoint ? checkpointSegment(block) : block();
      return y.sum();
    };
    const plainLoss = trace(false);
    const plain = grad(plainLoss, [x, w]);
    const ckptLoss = trace(true);
    const ckpt = grad(ckptLoss, [x, w]);
    // The backward graph reads recomputed copies (outside any segment), so the forward's segment
    // values are not needed after the forward.
    const forward = new Set(topoSort([ckptLoss.node]));
    const backward = topoSort(ckpt.map((g) => g.node)).filter((n) => !forward.has(n));
    expect(backward.some((n) => n.op === 'tanh' && n.segment === null)).toBe(true);
    expect(count([ckptLoss, ...ckpt], 'tanh')).toBe(count([plainLoss, ...plain], 'tanh') + 1);
    const ref = new ReferenceExecutor();
    const [a, b] = [await ref.compile(plain).run(), await ref.compile(ckpt).run()];
    a.forEach((t, k) => expect(Array.from(b[k].toFloat32())).toEqual(Array.from(t.toFloat32())));
  });


  it('recomputes a segment from its own inputs only: an earlier segment output is read, not rebuilt', () => {
    // Three stacked segments, like three checkpointed decoder layers.
    let h = Tensor.param(x).matmul(Tensor.param(w).mT);
    const outputs: Tensor[] = [];
    for (let l = 0; l < 3; l++) {
      h = checkpointSegment(() => h.tanh().mul(h.sigmoid()));
      outputs.push(h);
    }
    const loss = h.sum();
    const gs = grad(loss, [x]);
    const forward = new Set(topoSort([loss.node]));
    const backward = topoSort(gs.map((g) => g.node)).filter((n) => !forward.has(n));
    // One recomputed tanh per segment, and each reads the forward's output of the segment before.
    const tanhs = backward.filter((n) => n.op === 'tanh');
    expect(tanhs).toHaveLength(3);
    const inputs = new Set(tanhs.map((n) => n.inputs[0]));
    for (const out of outputs.slice(0, 2)) expect(inputs.has(out.node)).toBe(true);
  });
  it('keeps backward work linear in depth when composites share inputs (e.g. one RoPE table for all layers)', () => {
    const count = (layers: number) => {
      const cos = Tensor.input('cos', [1, 1, 4, 4]).cos();
      const sin = Tensor.input('sin', [1, 1, 4, 4]).sin();
      const p = Parameter.fromValues([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i / 16));
      let h = Tensor.param(p);
      for (let l = 0; l < layers; l++) h = F.rotary(h, cos, sin).tanh();
      const loss = h.sum();
      const before = Tensor.scalar(0).node.id;
      grad(loss, [p]);
      return Tensor.scalar(0).node.id - before;
    };
    expect(count(16) / count(8)).toBeLessThan(2.2);
  });

  it('stops gradients at detach()', async () => {
    const v = Tensor.param(x);
    const [g] = await new ReferenceExecutor().compile(grad(v.detach().mul(v).sum(), [x])).run();
    expect(Array.from(g.toFloat32())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('propagates through f16/bf16 storage casts into f32 compute', async () => {
    const half = new Parameter(new HostTensor('bf16', [2], Uint16Array.of(0x3f80, 0x4000))); // 1, 2
    const [g] = await new ReferenceExecutor().compile(grad(Tensor.param(half).float().square().sum(), [half])).run();
    expect(g.dtype).toBe('bf16');
    expect(Array.from(g.toFloat32())).toEqual([2, 4]);
  });
});
