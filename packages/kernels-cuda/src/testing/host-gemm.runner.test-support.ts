import type { GemmStep, KernelPlan, PlanStep } from '../plan/kernel-plan.types.js';
import type { StepRunner } from '../executor/device-backend.interface.js';
import type { HostDeviceMemory } from './host-device-memory.test-support.js';

/**
 * Runs a plan's f32 gemm steps with plain loops on a HostDeviceMemory, so the program's data
 * movement (feeds, parameters, arena, aliases, outputs) can be checked end to end without a GPU.
 * A kernel step cannot run on the host: it is refused by its label.
 */
export class HostGemmRunner implements StepRunner {
  steps = 0;

  constructor(private readonly memory: HostDeviceMemory) {}

  run(step: PlanStep, plan: KernelPlan, address: (buffer: number) => bigint): void {
    if (step.kind !== 'gemm') throw new Error(`the host runner cannot run kernel ${step.label}`);
    for (const id of [step.a, step.b, step.c]) {
      if (plan.buffers.find((b) => b.id === id)?.dtype !== 'f32') throw new Error(`the host runner takes f32 gemms only (${step.label})`);
    }
    this.gemm(step, address);
    this.steps++;
  }

  private f32(ptr: bigint, elements: number): Float32Array {
    const bytes = this.memory.at(ptr, elements * 4);
    return new Float32Array(bytes.buffer, bytes.byteOffset, elements);
  }

  private gemm(s: GemmStep, address: (buffer: number) => bigint): void {
    const span = (stride: number, size: number) => (s.batch - 1) * stride + size;
    const a = this.f32(address(s.a), span(s.strideA, s.m * s.k));
    const b = this.f32(address(s.b), span(s.strideB, s.k * s.n));
    const c = this.f32(address(s.c), span(s.strideC, s.m * s.n));
    // Row-major, as the plan is: A is [m, k] ([k, m] when transposed), B is [k, n] ([n, k]).
    const at = (i: number, p: number) => (s.transA ? p * s.m + i : i * s.k + p);
    const bt = (p: number, j: number) => (s.transB ? j * s.k + p : p * s.n + j);
    for (let z = 0; z < s.batch; z++) {
      for (let i = 0; i < s.m; i++) {
        for (let j = 0; j < s.n; j++) {
          let sum = 0;
          for (let p = 0; p < s.k; p++) sum += a[z * s.strideA + at(i, p)] * b[z * s.strideB + bt(p, j)];
          const o = z * s.strideC + i * s.n + j;
          c[o] = s.alpha * sum + (s.beta === 0 ? 0 : s.beta * c[o]);
        }
      }
    }
  }

  dispose(): void {}
}
