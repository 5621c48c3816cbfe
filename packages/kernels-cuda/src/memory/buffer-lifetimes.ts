import type { KernelPlan, PlanBuffer, PlanStep } from '../plan/kernel-plan.types.js';

/** Steps `first..last` (inclusive) use a storage; `last === steps.length` means "until the outputs are fetched". */
export interface Lifetime {
  readonly first: number;
  readonly last: number;
}

/** Every buffer a step touches: what it reads and writes, and for a kernel the buffers among its arguments. */
export function buffersOf(step: PlanStep): number[] {
  const args = step.kind === 'kernel' ? step.args.flatMap((a) => (a.kind === 'buffer' ? [a.buffer] : [])) : [step.a, step.b, step.c];
  return [...step.reads, ...step.writes, ...args];
}

/**
 * The buffer whose storage `id` uses: aliases (reshapes) are followed to their root. A missing
 * target, a cycle, or an alias larger than its root is an error in the plan.
 */
export function storageRoot(plan: KernelPlan, id: number): PlanBuffer {
  const byId = new Map(plan.buffers.map((b) => [b.id, b]));
  let buffer = byId.get(id);
  const seen = new Set<number>();
  while (buffer?.aliasOf !== undefined) {
    if (seen.has(buffer.id)) throw new Error(`kernel plan: buffer ${id} aliases itself through ${[...seen].join(' → ')}`);
    seen.add(buffer.id);
    const target = byId.get(buffer.aliasOf);
    if (target && buffer.bytes > target.bytes) throw new Error(`kernel plan: buffer ${buffer.id} (${buffer.bytes} bytes) aliases buffer ${target.id} of ${target.bytes} bytes`);
    buffer = target;
  }
  if (!buffer) throw new Error(`kernel plan: buffer ${id} is not in the plan's buffer list`);
  return buffer;
}

/**
 * When each temp storage is live: from the first step that uses it or any alias of it to the last
 * one; one that an output aliases lives until the end, when the outputs are fetched.
 */
export function tempLifetimes(plan: KernelPlan): Map<number, Lifetime> {
  const lifetimes = new Map<number, Lifetime>();
  const touch = (id: number, at: number) => {
    const root = storageRoot(plan, id);
    if (root.role !== 'temp') return;
    const l = lifetimes.get(root.id);
    lifetimes.set(root.id, l ? { first: Math.min(l.first, at), last: Math.max(l.last, at) } : { first: at, last: at });
  };
  plan.steps.forEach((step, i) => buffersOf(step).forEach((id) => touch(id, i)));
  const fetched = [...plan.outputs, ...plan.buffers.filter((b) => b.role === 'output').map((b) => b.id)];
  for (const id of fetched) touch(id, plan.steps.length);
  return lifetimes;
}

export const overlaps = (a: Lifetime, b: Lifetime): boolean => a.first <= b.last && b.first <= a.last;
