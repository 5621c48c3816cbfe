import { type Feeds, type Graph, HostTensor, type Program, DTYPE_INFO, numel } from '@tunekit/core';
import type { CachingAllocator } from '../memory/caching-allocator.js';
import type { DeviceParams } from '../memory/device-params.js';
import { type MemoryPlan, planMemory } from '../memory/memory-plan.js';
import { storageRoot } from '../memory/buffer-lifetimes.js';
import type { KernelPlan, PlanBuffer } from '../plan/kernel-plan.types.js';
import type { DeviceBackend, StepRunner } from './device-backend.interface.js';

/** What every program of one executor shares: the device, its allocator, the resident parameters, the step runner. */
export interface DeviceSession {
  readonly device: DeviceBackend;
  readonly allocator: CachingAllocator;
  readonly params: DeviceParams;
  readonly runner: StepRunner;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * A compiled plan on the device. Each run: feeds are uploaded, parameters resolved (uploaded once
 * when frozen), the temps get one arena laid out by the memory plan, the steps are queued, and
 * only the outputs come back to the host. Constants are uploaded at the first run and kept.
 */
export class CudaProgram implements Program {
  readonly memory: MemoryPlan;
  private readonly roots = new Map<number, PlanBuffer>();
  private readonly consts = new Map<number, bigint>();

  constructor(
    readonly graph: Graph,
    readonly plan: KernelPlan,
    private readonly session: DeviceSession,
  ) {
    this.memory = planMemory(plan);
    for (const b of plan.buffers) this.roots.set(b.id, storageRoot(plan, b.id));
    for (const b of plan.buffers) checkBuffer(b);
  }

  async run(feeds: Feeds = {}): Promise<HostTensor[]> {
    const { device, allocator, params, runner } = this.session;
    const owned: bigint[] = [];
    const take = (bytes: number) => {
      const ptr = allocator.alloc(bytes);
      owned.push(ptr);
      return ptr;
    };
    try {
      const base = new Map<number, bigint>();
      const arena = this.memory.arenaBytes > 0 ? take(this.memory.arenaBytes) : 0n;
      for (const [id, p] of this.memory.placements) base.set(id, arena + BigInt(p.offset));
      for (const b of this.plan.buffers) {
        if (b.aliasOf !== undefined) continue;
        if (b.role === 'input') {
          const ptr = take(b.bytes);
          device.upload(ptr, this.feed(b, feeds).data);
          base.set(b.id, ptr);
        } else if (b.role === 'output') base.set(b.id, take(b.bytes));
        else if (b.role === 'param') base.set(b.id, params.address(b.param!));
        else if (b.role === 'const') base.set(b.id, this.constant(b));
      }
      const address = (id: number): bigint => {
        const ptr = base.get(this.roots.get(id)?.id ?? NaN);
        if (ptr === undefined) throw new Error(`cuda: plan buffer ${id} has no storage (it is neither fed, a parameter, a constant, an output, nor used by a step)`);
        return ptr;
      };
      this.plan.steps.forEach((step, i) => {
        try {
          runner.run(step, this.plan, address);
        } catch (e) {
          throw new Error(`cuda: step ${i} (${step.label}): ${(e as Error).message}`);
        }
      });
      const results = this.plan.outputs.map((id) => {
        const b = this.plan.buffers.find((x) => x.id === id)!;
        const out = HostTensor.zeros(b.dtype, b.shape);
        device.download(out.data, address(id));
        return out;
      });
      device.synchronize();
      return results;
    } finally {
      for (const ptr of owned) allocator.free(ptr);
    }
  }

  private feed(b: PlanBuffer, feeds: Feeds): HostTensor {
    const name = b.inputName ?? '';
    const t = feeds[name];
    if (!t) throw new Error(`cuda: missing feed "${name}" (have: ${Object.keys(feeds).join(', ') || 'none'})`);
    if (t.dtype !== b.dtype || !sameShape(t.shape, b.shape)) throw new Error(`cuda: feed "${name}" is ${t.dtype}[${t.shape.join(', ')}], the program takes ${b.dtype}[${b.shape.join(', ')}]`);
    return t;
  }

  private constant(b: PlanBuffer): bigint {
    let ptr = this.consts.get(b.id);
    if (ptr === undefined) {
      ptr = this.session.allocator.alloc(b.bytes);
      this.session.device.upload(ptr, b.data!);
      this.consts.set(b.id, ptr);
    }
    return ptr;
  }

  /** Gives the constants' blocks back to the allocator. */
  dispose(): void {
    for (const ptr of this.consts.values()) this.session.allocator.free(ptr);
    this.consts.clear();
  }
}

/** A plan buffer whose bytes disagree with its dtype and shape, or whose role lacks what it needs, is a generator bug: say which. */
function checkBuffer(b: PlanBuffer): void {
  const expected = numel(b.shape) * DTYPE_INFO[b.dtype].bytes;
  if (b.bytes < expected) throw new Error(`kernel plan: buffer ${b.id} is ${b.dtype}[${b.shape.join(', ')}] (${expected} bytes) but has ${b.bytes}`);
  if (b.aliasOf !== undefined) return;
  if (b.role === 'input' && !b.inputName) throw new Error(`kernel plan: input buffer ${b.id} has no inputName`);
  if (b.role === 'param') {
    if (!b.param) throw new Error(`kernel plan: param buffer ${b.id} has no parameter`);
    if (b.param.dtype !== b.dtype || b.param.value.byteLength !== b.bytes) {
      throw new Error(`kernel plan: param buffer ${b.id} is ${b.dtype} (${b.bytes} bytes) but parameter ${b.param.name || `#${b.param.id}`} holds ${b.param.dtype} (${b.param.value.byteLength} bytes)`);
    }
  }
  if (b.role === 'const' && (!b.data || b.data.byteLength !== b.bytes)) throw new Error(`kernel plan: const buffer ${b.id} needs ${b.bytes} bytes of data`);
}
