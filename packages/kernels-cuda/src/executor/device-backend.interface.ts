import type { DeviceMemory } from '../memory/device-memory.interface.js';
import type { KernelPlan, PlanStep } from '../plan/kernel-plan.types.js';

/** A device a program runs on: memory, copies in both directions, and a point to wait for all queued work. */
export interface DeviceBackend extends DeviceMemory {
  upload(dst: bigint, src: ArrayBufferView): void;
  download(dst: ArrayBufferView, src: bigint): void;
  synchronize(): void;
}

/** Runs one plan step: a kernel launch or a gemm (queued, in order). */
export interface StepRunner {
  run(step: PlanStep, plan: KernelPlan, address: (buffer: number) => bigint): void;
  dispose(): void;
}
