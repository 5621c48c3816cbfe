import type { BufferRole, KernelPlan, PlanBuffer, PlanStep } from '../plan/kernel-plan.types.js';

/** A byte buffer of a plan, for specs of what reads plans without running them. */
export function byteBuffer(id: number, role: BufferRole, bytes: number, aliasOf?: number): PlanBuffer {
  return { id, dtype: 'u8', shape: [bytes], bytes, role, ...(aliasOf === undefined ? {} : { aliasOf }) };
}

/** A kernel step that only says what it reads and writes (its source is never compiled by these specs). */
export function touchStep(reads: readonly number[], writes: readonly number[]): PlanStep {
  return {
    kind: 'kernel',
    label: `k(${reads.join(',')}→${writes.join(',')})`,
    source: '',
    entry: 'k',
    grid: [1, 1, 1],
    block: [1, 1, 1],
    sharedBytes: 0,
    args: [...reads, ...writes].map((buffer) => ({ kind: 'buffer' as const, buffer })),
    reads,
    writes,
  };
}

export function plan(buffers: readonly PlanBuffer[], steps: readonly PlanStep[], outputs: readonly number[]): KernelPlan {
  return { buffers, steps, outputs };
}
