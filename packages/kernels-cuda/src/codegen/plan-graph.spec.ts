import { F, HostTensor, Parameter, Tensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import type { KernelStep } from '../plan/kernel-plan.types.js';
import { planGraph } from './plan-graph.js';

const kernels = (steps: readonly { kind: string }[]): KernelStep[] => steps.filter((s): s is KernelStep => s.kind === 'kernel');

describe('planGraph', () => {
  it('fuses a single-consumer elementwise/broadcast chain into one kernel', () => {
    const x = Tensor.input('x', [4, 8]);
    const b = Tensor.input('b', [8]);
    const plan = planGraph([x.mul(b).exp().add(1).silu()]);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0].label).toBe('silu#6');
    expect(plan.buffers.map((buf) => buf.role)).toEqual(['input', 'input', 'output']);
    expect((plan.steps[0] as KernelStep).source).toMatchSnapshot();
  });

  it('keeps a value used twice in a buffer and inlines reshapes into the reduction that reads them', () => {
    const x = Tensor.input('x', [2, 6]);
    const e = x.exp();
    const plan = planGraph([e.add(e.reshape(6, 2).reshape(2, 6)).sum(1)]);
    const ks = kernels(plan.steps);
    expect(ks.map((k) => k.label)).toEqual(['exp#1', 'sum#5']);
    expect(ks[1].source).toMatchSnapshot();
  });

  it('aliases a reshape that a gemm reads instead of copying it', () => {
    const x = Tensor.input('x', [2, 6]);
    const plan = planGraph([x.exp().reshape(3, 4).matmul(Tensor.input('w', [4, 2]))]);
    expect(plan.steps.map((s) => s.kind)).toEqual(['kernel', 'gemm']);
    const alias = plan.buffers.find((b) => b.aliasOf !== undefined)!;
    expect(alias).toMatchObject({ shape: [3, 4], aliasOf: (plan.steps[0] as KernelStep).writes[0] });
    expect(plan.steps[1]).toMatchObject({ a: alias.id, m: 3, n: 2, k: 4 });
  });

  it('plans a linear layer as one gemm reading the weight transposed in place', () => {
    const w = Parameter.fromValues([5, 4], new Array(20).fill(0.5));
    const x = Tensor.input('x', [2, 3, 4]);
    const plan = planGraph([F.linear(x, Tensor.param(w))]);
    expect(plan.steps).toEqual([
      expect.objectContaining({ kind: 'gemm', m: 6, n: 5, k: 4, batch: 1, transA: false, transB: true }),
    ]);
  });

  it('runs hand-written kernels for the composites it takes, and decomposes the rest', () => {
    const x = Tensor.input('x', [2, 8]);
    const w = Tensor.input('w', [8]);
    const q = Tensor.input('q', [1, 1, 2, 300]);
    const plan = planGraph([F.rmsNorm(x, w, 1e-5), F.attention(q, q, q)]);
    const entries = kernels(plan.steps).map((k) => k.entry);
    expect(entries[0]).toBe('tk_rms_norm_fwd_f32');
    // Head size 300 is past the attention kernel's limit: core's decomposition runs (gemms, softmax, generated kernels).
    expect(entries.slice(1)).toContain('tk_softmax_f32');
    expect(entries.some((e) => e.startsWith('tk_attention'))).toBe(false);
    expect(plan.steps.filter((s) => s.kind === 'gemm')).toHaveLength(2);
  });

  it('gives every output its own written buffer (a fed input returned as is is copied)', () => {
    const x = Tensor.input('x', [3]);
    const y = x.neg();
    const plan = planGraph([x, y, y]);
    expect(plan.outputs).toHaveLength(3);
    expect(new Set(plan.outputs).size).toBe(3);
    expect(plan.outputs.every((o) => plan.buffers[o].role === 'output')).toBe(true);
  });

  it('is deterministic: the same graph traced twice plans to the same steps and sources', () => {
    const trace = () => {
      const q = Tensor.input('q', [1, 2, 3, 4]);
      const k = Tensor.input('k', [1, 1, 3, 4]);
      const c = Tensor.constant(HostTensor.f32([3], [1, 2, 3]));
      return planGraph([F.attention(q, k, k).sum(-1).mul(c)]);
    };
    const [a, b] = [trace(), trace()];
    expect(JSON.stringify(a.steps, (_, v) => (typeof v === 'bigint' ? `${v}` : v))).toBe(JSON.stringify(b.steps, (_, v) => (typeof v === 'bigint' ? `${v}` : v)));
    expect(kernels(a.steps).map((s) => s.entry)).toMatchSnapshot();
  });
});
