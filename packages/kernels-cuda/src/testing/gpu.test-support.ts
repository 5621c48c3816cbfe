import { CudaUnavailableError } from '../runtime/cuda-libraries.js';
import { CudaRuntime } from '../runtime/cuda-runtime.js';

/**
 * Whether GPU specs can run here: null when CUDA opens, else the one-line reason, which the spec
 * prints before skipping. Under TUNEKIT_REQUIRE_GPU=1 (`npm run test:gpu`, the device check) a
 * machine without CUDA is an error instead: the GPU suite must not pass by skipping.
 */
export function gpuSkipReason(): string | null {
  try {
    CudaRuntime.open().dispose();
    return null;
  } catch (e) {
    if (!(e instanceof CudaUnavailableError) || process.env.TUNEKIT_REQUIRE_GPU === '1') throw e;
    console.log(`GPU specs skipped: ${e.message}`);
    return e.message;
  }
}
