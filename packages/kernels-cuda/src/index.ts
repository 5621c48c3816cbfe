// The package barrel: what users of @tunekit/kernels-cuda call.
export type {
  BufferRole,
  GemmStep,
  KernelArg,
  KernelPlan,
  KernelStep,
  PlanBuffer,
  PlanStep,
} from './plan/kernel-plan.types.js';
export { CudaExecutor, type KernelPlanner } from './executor/cuda.executor.js';
export { CudaProgram, type DeviceSession } from './executor/cuda.program.js';
export { cudaExecutorProvider } from './executor/cuda.provider.js';
export type { DeviceBackend, StepRunner } from './executor/device-backend.interface.js';
export { CachingAllocator, type AllocatorStats } from './memory/caching-allocator.js';
export type { DeviceMemory } from './memory/device-memory.interface.js';
export { type MemoryPlan, type Placement, planMemory } from './memory/memory-plan.js';
export { CudaUnavailableError, CUDA_LIBRARIES, openCudaLibraries } from './runtime/cuda-libraries.js';
export { CudaRuntime, type CudaRuntimeOptions } from './runtime/cuda-runtime.js';
export { CudaError } from './runtime/cuda-driver.js';
export { CubinCache, defaultCubinCacheDir } from './runtime/cubin-cache.js';
export { machineSearchContext, type SearchContext } from './runtime/library-search.js';
export { planGraph } from './codegen/plan-graph.js';
export { CUDA_EXECUTOR, openCudaExecutor, registerCudaExecutor, registerCudaExecutor as register } from './executor/cuda.open.js';
export { GEMM_WORKSPACE_BYTES } from './runtime/cublaslt.js';
