import { Graph, HostTensor, Parameter } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { CachingAllocator } from '../memory/caching-allocator.js';
import { DeviceParams } from '../memory/device-params.js';
import type { GemmStep, KernelPlan, PlanBuffer } from '../plan/kernel-plan.types.js';
import { HostDeviceMemory } from '../testing/host-device-memory.test-support.js';
import { HostGemmRunner } from '../testing/host-gemm.runner.test-support.js';
import { touchStep } from '../testing/plan-builder.test-support.js';
import { CudaProgram, type DeviceSession } from './cuda.program.js';

const f32 = (id: number, role: PlanBuffer['role'], shape: number[], extra: Partial<PlanBuffer> = {}): PlanBuffer => ({
  id, dtype: 'f32', shape, bytes: 4 * shape.reduce((a, b) => a * b, 1), role, ...extra,
});
const mm = (label: string, a: number, b: number, c: number, m: number, n: number, k: number): GemmStep => ({
  kind: 'gemm', label, a, b, c, m, n, k, batch: 1, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0, alpha: 1, beta: 0, computeType: 'f32', reads: [a, b], writes: [c],
});

function session(): DeviceSession & { memory: HostDeviceMemory; runner: HostGemmRunner } {
  const memory = new HostDeviceMemory();
  const allocator = new CachingAllocator(memory);
  return { device: memory, memory, allocator, params: new DeviceParams(memory, allocator), runner: new HostGemmRunner(memory) };
}

/** y = (x·W)·V with W frozen and V trainable; the first product is also fetched, reshaped, through an alias. */
function twoLayerPlan() {
  const W = Parameter.fromValues([3, 4], [1, 0, 2, -1, 0, 1, 1, 0, 3, -2, 0, 1], 'f32', false);
  const V = Parameter.fromValues([4, 2], [1, 2, 3, 4, -1, 0, 0.5, 1]);
  const plan: KernelPlan = {
    buffers: [
      f32(0, 'input', [2, 3], { inputName: 'x' }),
      f32(1, 'param', [3, 4], { param: W }),
      f32(2, 'param', [4, 2], { param: V }),
      f32(3, 'temp', [2, 4]),
      f32(4, 'output', [2, 2]),
      f32(5, 'temp', [8], { aliasOf: 3 }),
    ],
    steps: [mm('x·W', 0, 1, 3, 2, 4, 3), mm('h·V', 3, 2, 4, 2, 2, 4)],
    outputs: [4, 5],
  };
  return { W, V, plan };
}

function expected(x: number[], W: Parameter, V: Parameter): { h: number[]; y: number[] } {
  const w = W.value.toFloat32();
  const v = V.value.toFloat32();
  const h = Array.from({ length: 8 }, (_, o) => [0, 1, 2].reduce((s, p) => s + x[Math.floor(o / 4) * 3 + p] * w[p * 4 + (o % 4)], 0));
  const y = Array.from({ length: 4 }, (_, o) => [0, 1, 2, 3].reduce((s, p) => s + h[Math.floor(o / 2) * 4 + p] * v[p * 2 + (o % 2)], 0));
  return { h, y };
}

const graph = new Graph([]);

describe('CudaProgram (on a host-backed device)', () => {
  it('runs a plan: feeds in, parameters resolved, temps in the planned arena, aliases shared, outputs out in order with their dtype and shape', async () => {
    const s = session();
    const { W, V, plan } = twoLayerPlan();
    const program = new CudaProgram(graph, plan, s);
    const x = [1, 2, 3, -1, 0.5, 2];
    const [y, h] = await program.run({ x: HostTensor.f32([2, 3], x) });
    const want = expected(x, W, V);
    expect([y.dtype, y.shape, h.shape]).toEqual(['f32', [2, 2], [8]]);
    expect([...y.data]).toEqual(want.y);
    expect([...h.data]).toEqual(want.h);
    expect(program.memory.arenaBytes).toBe(256);
    expect(s.runner.steps).toBe(2);
  });

  it('keeps a frozen parameter on the device across runs and uploads a trainable one each run, so in-place updates are seen; moves only feeds and outputs otherwise', async () => {
    const s = session();
    const { W, V, plan } = twoLayerPlan();
    const program = new CudaProgram(graph, plan, s);
    const x = HostTensor.f32([2, 3], [1, 2, 3, -1, 0.5, 2]);
    await program.run({ x });
    const [up, down, misses] = [s.memory.uploadedBytes, s.memory.downloadedBytes, s.allocator.stats().misses];
    expect(up).toBe(24 + 48 + 32);
    expect(down).toBe(16 + 32);
    (V.value.data as Float32Array)[0] = 10; // as an optimizer step does
    const [y] = await program.run({ x });
    expect([...y.data]).toEqual(expected([...x.data] as number[], W, V).y);
    expect(s.memory.uploadedBytes - up).toBe(24 + 32);
    expect(s.memory.downloadedBytes - down).toBe(down);
    expect(s.allocator.stats().misses).toBe(misses);
    expect(s.params.uploads).toBe(3);
    W.assign(HostTensor.f32([3, 4], new Array(12).fill(1)));
    const [y3] = await program.run({ x });
    expect([...y3.data]).toEqual(expected([...x.data] as number[], W, V).y);
    expect(s.params.uploads).toBe(5);
  });

  it('gives every block back to the allocator after a run, also when a step fails, and names the failing step', async () => {
    const s = session();
    const { plan } = twoLayerPlan();
    const bad: KernelPlan = { ...plan, steps: [plan.steps[0], touchStep([3], [4])] };
    const program = new CudaProgram(graph, bad, s);
    await expect(program.run({ x: HostTensor.f32([2, 3]) })).rejects.toThrow(/^cuda: step 1 \(k\(3→4\)\): the host runner cannot run kernel k\(3→4\)$/);
    // Only the two parameters stay (one 512-byte size class each): the feed, the arena and the output went back.
    expect(s.allocator.stats().inUse).toBe(2 * 512);
    s.params.clear();
    expect(s.allocator.stats().inUse).toBe(0);
  });

  it('refuses a missing feed and a feed of the wrong shape or dtype, naming it', async () => {
    const program = new CudaProgram(graph, twoLayerPlan().plan, session());
    await expect(program.run({})).rejects.toThrow('cuda: missing feed "x" (have: none)');
    await expect(program.run({ x: HostTensor.f32([3, 2]) })).rejects.toThrow('cuda: feed "x" is f32[3, 2], the program takes f32[2, 3]');
    await expect(program.run({ x: HostTensor.i64([2, 3], [1, 2, 3, 4, 5, 6]) })).rejects.toThrow('cuda: feed "x" is i64[2, 3], the program takes f32[2, 3]');
  });

  it('refuses a plan whose buffers disagree with themselves or with their parameter', () => {
    const { plan, W } = twoLayerPlan();
    const swap = (b: PlanBuffer) => ({ ...plan, buffers: plan.buffers.map((x) => (x.id === b.id ? b : x)) });
    expect(() => new CudaProgram(graph, swap(f32(1, 'param', [4, 4], { param: W })), session())).toThrow(/param buffer 1 is f32 \(64 bytes\) but parameter #\d+ holds f32 \(48 bytes\)/);
    expect(() => new CudaProgram(graph, swap({ ...f32(4, 'output', [2, 2]), bytes: 8 }), session())).toThrow('kernel plan: buffer 4 is f32[2, 2] (16 bytes) but has 8');
    expect(() => new CudaProgram(graph, swap(f32(0, 'input', [2, 3])), session())).toThrow('kernel plan: input buffer 0 has no inputName');
  });
});
