import { DTYPE_INFO, type DType, type HostTensor, numel } from '@tunekit/core';
import type { KernelArg, KernelPlan, KernelStep, PlanBuffer } from '../plan/kernel-plan.types.js';
import { runPlanEmulated } from './emulated.executor.js';

type Launch = Pick<KernelStep, 'entry' | 'source' | 'grid' | 'block'> & { args: KernelArg[]; writes: number[] };

/**
 * A hand-made plan for calling hand-written kernels directly (their backward and optimizer
 * entries have no IR op that plans them): host tensors in, launches, chosen buffers out, run on
 * the g++ emulator.
 */
export class KernelHarness {
  private readonly buffers: PlanBuffer[] = [];
  private readonly steps: KernelStep[] = [];
  private readonly feeds: Record<string, HostTensor> = {};

  input(t: HostTensor): number {
    const id = this.buffers.length;
    const name = `in${id}`;
    this.buffers.push({ id, dtype: t.dtype, shape: [...t.shape], bytes: t.byteLength, role: 'input', inputName: name });
    this.feeds[name] = t;
    return id;
  }

  temp(dtype: DType, shape: readonly number[]): number {
    const id = this.buffers.length;
    this.buffers.push({ id, dtype, shape: [...shape], bytes: numel(shape) * DTYPE_INFO[dtype].bytes, role: 'temp' });
    return id;
  }

  launch(l: Launch): this {
    const reads = l.args.flatMap((a) => (a.kind === 'buffer' && !l.writes.includes(a.buffer) ? [a.buffer] : []));
    this.steps.push({ kind: 'kernel', label: l.entry, entry: l.entry, source: l.source, grid: l.grid, block: l.block, sharedBytes: 0, args: l.args, reads, writes: l.writes });
    return this;
  }

  /** Runs every launch and returns `outputs`' contents (an input buffer a kernel updated in place included). */
  run(outputs: number[]): Promise<HostTensor[]> {
    const plan: KernelPlan = { buffers: this.buffers, steps: this.steps, outputs };
    return runPlanEmulated(plan, this.feeds);
  }
}

export const buf = (buffer: number): KernelArg => ({ kind: 'buffer', buffer });
export const i32 = (value: number): KernelArg => ({ kind: 'i32', value });
export const i64 = (value: number): KernelArg => ({ kind: 'i64', value: BigInt(value) });
export const f32 = (value: number): KernelArg => ({ kind: 'f32', value });
