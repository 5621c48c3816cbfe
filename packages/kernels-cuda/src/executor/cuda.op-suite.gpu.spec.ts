import { describeOpSuite } from '@tunekit/core/testing';
import { describe, it } from 'vitest';
import { gpuSkipReason } from '../testing/gpu.test-support.js';
import { openCudaExecutor } from './cuda.open.js';

// Every case of every IR op on the GPU, against plain loops and the reference executor (≤ 1e-5).
const reason = gpuSkipReason();
if (reason === null) describeOpSuite('CudaExecutor', () => openCudaExecutor());
else describe.skip(`CudaExecutor: every op against loops and the reference executor (${reason})`, () => it.skip('needs a GPU'));
