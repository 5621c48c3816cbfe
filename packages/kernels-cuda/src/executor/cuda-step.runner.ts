import type { GemmStep, KernelPlan, KernelStep, PlanStep } from '../plan/kernel-plan.types.js';
import type { CudaRuntime } from '../runtime/cuda-runtime.js';
import { packKernelArgs } from '../runtime/kernel-args.js';
import type { StepRunner } from './device-backend.interface.js';

/**
 * Runs plan steps on a CudaRuntime's stream: kernels compiled by NVRTC (through the cubin cache)
 * and loaded once per source, gemms through cuBLASLt.
 */
export class CudaStepRunner implements StepRunner {
  private readonly modules = new Map<string, bigint>();
  private readonly functions = new Map<string, bigint>();

  constructor(private readonly cuda: CudaRuntime) {}

  run(step: PlanStep, plan: KernelPlan, address: (buffer: number) => bigint): void {
    if (step.kind === 'kernel') this.launch(step, address);
    else this.gemm(step, plan, address);
  }

  private launch(step: KernelStep, address: (buffer: number) => bigint): void {
    const args = packKernelArgs(step.args, address);
    this.cuda.driver.launch(this.function(step), step, args.pointers, step.label);
  }

  private function(step: KernelStep): bigint {
    const key = `${step.entry}\0${step.sharedBytes}\0${step.source}`;
    let fn = this.functions.get(key);
    if (fn === undefined) {
      const { driver, nvrtc, cache } = this.cuda;
      let module = this.modules.get(step.source);
      if (module === undefined) {
        const cubin = cache.get({ source: step.source, arch: driver.arch, compiler: `nvrtc ${nvrtc.version}` }, () => nvrtc.compile(step.source, step.label, driver.arch));
        this.modules.set(step.source, (module = driver.loadModule(cubin)));
      }
      this.functions.set(key, (fn = driver.getFunction(module, step.entry, step.sharedBytes)));
    }
    return fn;
  }

  private gemm(step: GemmStep, plan: KernelPlan, address: (buffer: number) => bigint): void {
    const dtype = (id: number) => {
      const b = plan.buffers.find((x) => x.id === id);
      if (!b) throw new Error(`gemm ${step.label}: buffer ${id} is not in the plan`);
      return b.dtype;
    };
    this.cuda.cublasLt.matmul(step, { a: dtype(step.a), b: dtype(step.b), c: dtype(step.c) }, address);
  }

  dispose(): void {
    for (const module of this.modules.values()) this.cuda.driver.unloadModule(module);
    this.modules.clear();
    this.functions.clear();
  }
}
