import type { DependencyContainer } from 'tsyringe';
import { EXECUTOR_PROVIDER, type ExecutorProvider } from '@tunekit/core';
import { planGraph } from '../codegen/plan-graph.js';
import type { CudaRuntimeOptions } from '../runtime/cuda-runtime.js';
import { CudaExecutor } from './cuda.executor.js';
import { cudaExecutorProvider } from './cuda.provider.js';

/** The CUDA executor with TuneKit's code generator as its planner; throws one CudaUnavailableError line where CUDA is missing. */
export const openCudaExecutor = (options: CudaRuntimeOptions = {}): CudaExecutor => CudaExecutor.open(planGraph, options);

/** `executor: cuda` / `--executor cuda`. */
export const CUDA_EXECUTOR: ExecutorProvider = cudaExecutorProvider(planGraph);

/** The package's one registration call: the cuda executor under EXECUTOR_PROVIDER. */
export function registerCudaExecutor(container: DependencyContainer): void {
  container.register(EXECUTOR_PROVIDER, { useValue: CUDA_EXECUTOR });
}
