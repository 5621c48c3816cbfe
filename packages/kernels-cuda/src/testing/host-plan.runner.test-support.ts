import type { KernelPlan, KernelStep, PlanStep } from '../plan/kernel-plan.types.js';
import type { StepRunner } from '../executor/device-backend.interface.js';
import type { HostDeviceMemory } from './host-device-memory.test-support.js';
import { HostGemmRunner } from './host-gemm.runner.test-support.js';

/**
 * Runs what a host can of any plan: gemms with plain loops, and for each kernel launch the check
 * that every buffer it names resolves to device storage holding that buffer's bytes (the kernel
 * itself is not run: its values are the emulator's business, codegen's specs). For specs of the
 * runtime carrying the code generator's plans.
 */
export class HostPlanRunner implements StepRunner {
  private readonly gemms: HostGemmRunner;
  /** Kernel launches whose buffers were checked (and not run). */
  kernelsChecked = 0;

  constructor(private readonly memory: HostDeviceMemory) {
    this.gemms = new HostGemmRunner(memory);
  }

  get gemmsRun(): number {
    return this.gemms.steps;
  }

  run(step: PlanStep, plan: KernelPlan, address: (buffer: number) => bigint): void {
    if (step.kind === 'gemm') return this.gemms.run(step, plan, address);
    this.checkBuffers(step, plan, address);
    this.kernelsChecked++;
  }

  private checkBuffers(step: KernelStep, plan: KernelPlan, address: (buffer: number) => bigint): void {
    const ids = new Set([...step.reads, ...step.writes, ...step.args.flatMap((a) => (a.kind === 'buffer' ? [a.buffer] : []))]);
    for (const id of ids) {
      const buffer = plan.buffers.find((b) => b.id === id);
      if (!buffer) throw new Error(`kernel ${step.label} names buffer ${id}, which is not in the plan`);
      this.memory.at(address(id), buffer.bytes);
    }
  }

  dispose(): void {}
}
