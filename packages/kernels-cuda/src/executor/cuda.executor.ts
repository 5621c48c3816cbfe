import { type Executor, Graph, type Node, type Tensor } from '@tunekit/core';
import { CachingAllocator } from '../memory/caching-allocator.js';
import { DeviceParams } from '../memory/device-params.js';
import type { KernelPlan } from '../plan/kernel-plan.types.js';
import { CudaRuntime, type CudaRuntimeOptions } from '../runtime/cuda-runtime.js';
import type { DeviceBackend, StepRunner } from './device-backend.interface.js';
import { CudaProgram, type DeviceSession } from './cuda.program.js';
import { CudaStepRunner } from './cuda-step.runner.js';

/** Graph → plan: the code generator's entry point (codegen/), taken as a function so the executor does not depend on how plans are made. */
export type KernelPlanner = (outputs: readonly Node[]) => KernelPlan;

/**
 * Runs traced graphs on an NVIDIA GPU: each compiled graph becomes a kernel plan (generated and
 * hand-written kernels, cuBLASLt gemms) that runs on one device, with one caching allocator and the
 * parameters resident for all programs of this executor.
 */
export class CudaExecutor implements Executor {
  readonly name = 'cuda';
  readonly session: DeviceSession;
  private readonly programs = new Set<CudaProgram>();

  constructor(
    device: DeviceBackend,
    runner: StepRunner,
    private readonly planner: KernelPlanner,
    private readonly onDispose: () => void = () => {},
  ) {
    const allocator = new CachingAllocator(device);
    this.session = { device, allocator, params: new DeviceParams(device, allocator), runner };
  }

  /** Opens CUDA on this machine, or throws one line saying what is missing and where it looked (CudaUnavailableError). */
  static open(planner: KernelPlanner, options: CudaRuntimeOptions = {}): CudaExecutor {
    const cuda = CudaRuntime.open(options);
    const runner = new CudaStepRunner(cuda);
    return new CudaExecutor(cuda.driver, runner, planner, () => {
      runner.dispose();
      cuda.dispose();
    });
  }

  compile(outputs: readonly (Tensor | Node)[]): CudaProgram {
    const nodes = outputs.map((o) => ('node' in o ? o.node : o));
    const program = new CudaProgram(new Graph(nodes), this.planner(nodes), this.session);
    this.programs.add(program);
    return program;
  }

  async dispose(): Promise<void> {
    for (const p of this.programs) p.dispose();
    this.programs.clear();
    this.session.params.clear();
    this.session.allocator.release();
    this.onDispose();
  }
}
