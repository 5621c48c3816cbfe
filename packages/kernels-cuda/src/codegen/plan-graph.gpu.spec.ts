import { describeOpSuite } from '@tunekit/core/testing';
import { describe, it } from 'vitest';
import { CudaExecutor } from '../executor/cuda.executor.js';
import { gpuSkipReason } from '../testing/gpu.test-support.js';
import { planGraph } from './plan-graph.js';

// The op suite on a real GPU: every case planned by planGraph, compiled by NVRTC, run by the CUDA runtime (≤ 1e-5 against loops and the reference).
const reason = gpuSkipReason();
if (reason) describe.skip(`CudaExecutor op suite: skipped, ${reason}`, () => it('needs a GPU', () => undefined));
else describeOpSuite('CudaExecutor with planGraph', () => CudaExecutor.open(planGraph));
