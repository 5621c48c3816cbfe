import type { ExecutorProvider } from '@tunekit/core';
import { CudaExecutor, type KernelPlanner } from './cuda.executor.js';

/**
 * `executor: cuda`. Creating it opens CUDA, so on a machine without a GPU or toolkit the choice
 * fails there, in one line naming what is missing and where it was looked for.
 */
export const cudaExecutorProvider = (planner: KernelPlanner): ExecutorProvider => ({ name: 'cuda', create: () => CudaExecutor.open(planner) });
