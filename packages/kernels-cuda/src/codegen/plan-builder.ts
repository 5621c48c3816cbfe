import { DTYPE_INFO, type DType, type Node, type Parameter, numel } from '@tunekit/core';
import type { BufferRole, KernelArg, KernelStep, PlanBuffer, PlanStep } from '../plan/kernel-plan.types.js';

/** A buffer as the planner first makes it; `role` is settled when outputs are known. */
interface DraftBuffer {
  id: number;
  dtype: DType;
  shape: readonly number[];
  role: BufferRole;
  inputName?: string;
  param?: Parameter;
  data?: Uint8Array;
  aliasOf?: number;
}

/** Collects buffers and steps while the planner walks the graph; nodes are named by topological position. */
export class PlanBuilder {
  private readonly buffers: DraftBuffer[] = [];
  readonly steps: PlanStep[] = [];
  private readonly bufferOfNode = new Map<Node, number>();
  private readonly entries = new Map<string, string>();

  constructor(private readonly position: ReadonlyMap<Node, number>) {}

  /** `op#i` with i the node's position in the graph, stable across runs (node ids are global). */
  label(node: Node): string {
    return `${node.op}#${this.position.get(node)}`;
  }

  newBuffer(dtype: DType, shape: readonly number[], role: BufferRole, extra: Partial<DraftBuffer> = {}): number {
    const id = this.buffers.length;
    this.buffers.push({ id, dtype, shape: [...shape], role, ...extra });
    return id;
  }

  /** A fresh temp buffer holding `node`'s value. */
  bufferFor(node: Node): number {
    const id = this.newBuffer(node.dtype, node.shape, 'temp');
    this.bufferOfNode.set(node, id);
    return id;
  }

  /** `node` shares storage with buffer `of` (a reshape, or the identity): no copy. */
  aliasFor(node: Node, of: number): number {
    const root = this.buffers[of].aliasOf ?? of;
    const id = this.newBuffer(node.dtype, node.shape, 'temp', { aliasOf: root });
    this.bufferOfNode.set(node, id);
    return id;
  }

  bind(node: Node, buffer: number): void {
    this.bufferOfNode.set(node, buffer);
  }

  has(node: Node): boolean {
    return this.bufferOfNode.has(node);
  }

  bufferOf(node: Node): number {
    const id = this.bufferOfNode.get(node);
    if (id === undefined) throw new Error(`kernels-cuda planner: ${this.label(node)} has no buffer yet (planner bug: visited out of order)`);
    return id;
  }

  buffer(id: number): DraftBuffer {
    return this.buffers[id];
  }

  /** Whether a buffer is computed by a step of this plan (not fed, bound, baked or aliased). */
  isComputed(id: number): boolean {
    const b = this.buffers[id];
    return b.role === 'temp' && b.aliasOf === undefined;
  }

  kernel(step: Omit<KernelStep, 'kind' | 'reads' | 'writes'>, writes: readonly number[]): void {
    const seen = this.entries.get(step.entry);
    if (seen !== undefined && seen !== step.source) {
      throw new Error(`kernels-cuda planner: two different sources share the entry "${step.entry}" (planner bug)`);
    }
    this.entries.set(step.entry, step.source);
    const reads = [...new Set(step.args.flatMap((a) => (a.kind === 'buffer' && !writes.includes(a.buffer) ? [a.buffer] : [])))];
    this.steps.push({ kind: 'kernel', ...step, reads, writes: [...writes] });
  }

  finish(outputs: readonly number[]): { buffers: PlanBuffer[]; steps: PlanStep[]; outputs: number[] } {
    const outs = new Set(outputs);
    const buffers = this.buffers.map((b): PlanBuffer => {
      const role: BufferRole = outs.has(b.id) && b.role === 'temp' ? 'output' : b.role;
      return { ...b, role, bytes: numel(b.shape) * DTYPE_INFO[b.dtype].bytes };
    });
    return { buffers, steps: this.steps, outputs: [...outputs] };
  }
}

export const bufferArg = (buffer: number): KernelArg => ({ kind: 'buffer', buffer });
export const i32Arg = (value: number): KernelArg => ({ kind: 'i32', value });
export const i64Arg = (value: number): KernelArg => ({ kind: 'i64', value: BigInt(value) });
export const f32Arg = (value: number): KernelArg => ({ kind: 'f32', value });
/** A null pointer argument: a 64-bit zero in the pointer's parameter slot. */
export const NULL_POINTER: KernelArg = { kind: 'i64', value: 0n };
