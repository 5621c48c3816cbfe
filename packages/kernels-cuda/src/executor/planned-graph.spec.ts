import { Graph, HostTensor, Parameter, ReferenceExecutor, Tensor, grad } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { planGraph } from '../codegen/plan-graph.js';
import { CachingAllocator } from '../memory/caching-allocator.js';
import { DeviceParams } from '../memory/device-params.js';
import { HostDeviceMemory } from '../testing/host-device-memory.test-support.js';
import { HostPlanRunner } from '../testing/host-plan.runner.test-support.js';
import { CudaProgram } from './cuda.program.js';

/** The runtime carrying plans that the code generator (planGraph) makes from traced graphs, on a host-backed device. */
function compile(outputs: Tensor[]) {
  const memory = new HostDeviceMemory();
  const allocator = new CachingAllocator(memory);
  const runner = new HostPlanRunner(memory);
  const nodes = outputs.map((t) => t.node);
  const program = new CudaProgram(new Graph(nodes), planGraph(nodes), { device: memory, allocator, params: new DeviceParams(memory, allocator), runner });
  return { program, runner, memory, allocator };
}

const values = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('planGraph plans on the runtime (host-backed device)', () => {
  it('runs a chain of matmuls with a frozen and a trainable parameter, equal to the reference executor', async () => {
    const W = Parameter.fromValues([6, 5], values(30, (i) => Math.sin(i)), 'f32', false);
    const V = Parameter.fromValues([5, 3], values(15, (i) => Math.cos(i)));
    const x = Tensor.input('x', [4, 6]);
    const y = x.matmul(Tensor.param(W)).matmul(Tensor.param(V));
    const feeds = { x: HostTensor.f32([4, 6], values(24, (i) => i / 10 - 1)) };
    const { program, runner } = compile([y]);
    const [got] = await program.run(feeds);
    const [want] = await new ReferenceExecutor().compile([y]).run(feeds);
    expect(runner.kernelsChecked).toBe(0);
    expect(runner.gemmsRun).toBe(2);
    expect([got.dtype, got.shape]).toEqual([want.dtype, want.shape]);
    const diff = Math.max(...[...got.data].map((v, i) => Math.abs((v as number) - (want.data[i] as number))));
    expect(diff).toBeLessThan(1e-5);
  });

  it('gives every buffer of a training step (softmax, reductions, the backward pass) device storage of its size, and moves only feeds, trainable parameters and outputs', async () => {
    const W = Parameter.fromValues([8, 16], values(128, (i) => Math.sin(i) / 4));
    const B = Parameter.fromValues([16], values(16, (i) => i / 100));
    const x = Tensor.input('x', [3, 8]);
    const target = Tensor.input('t', [3, 16]);
    const p = x.matmul(Tensor.param(W)).add(Tensor.param(B)).softmax(-1);
    const loss = p.mul(target).sum().mul(-1);
    const outputs = [loss, ...grad(loss, [W, B])];
    const { program, runner, memory } = compile(outputs);
    const feeds = { x: HostTensor.f32([3, 8], values(24, (i) => i % 5)), t: HostTensor.f32([3, 16], values(48, (i) => (i % 16 === i % 3 ? 1 : 0))) };
    const got = await program.run(feeds);
    expect(got.map((t) => t.shape)).toEqual([[], [8, 16], [16]]);
    expect(runner.kernelsChecked).toBeGreaterThan(0);
    expect(runner.gemmsRun).toBeGreaterThanOrEqual(2);
    expect(memory.uploadedBytes).toBe((24 + 48 + 128 + 16) * 4 + program.plan.buffers.filter((b) => b.role === 'const' && b.aliasOf === undefined).reduce((s, b) => s + b.bytes, 0));
    expect(memory.downloadedBytes).toBe((1 + 128 + 16) * 4);
    expect(program.memory.arenaBytes).toBeLessThanOrEqual(program.memory.unplannedBytes);
  });
});
