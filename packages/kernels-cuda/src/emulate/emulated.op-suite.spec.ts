import { describeOpSuite } from '@tunekit/core/testing';
import { describe, it } from 'vitest';
import { emulatorUnavailable } from './emu-build.js';
import { EmulatedCudaExecutor } from './emulated.executor.js';

// Every case of every IR op, planned as on a GPU and run by the g++ emulator, against plain loops and the reference executor (≤ 1e-5).
const missing = emulatorUnavailable();
if (missing) describe.skip(`CUDA plans on the g++ emulator: skipped, ${missing}`, () => it('needs g++', () => undefined));
else describeOpSuite('CUDA plan on the g++ emulator', () => new EmulatedCudaExecutor());
