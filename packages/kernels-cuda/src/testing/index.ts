// `@tunekit/kernels-cuda/testing`: helpers for specs, kept out of the main barrel.
export { gpuSkipReason } from './gpu.test-support.js';
export { HostDeviceMemory } from './host-device-memory.test-support.js';
export { HostGemmRunner } from './host-gemm.runner.test-support.js';
export { HostPlanRunner } from './host-plan.runner.test-support.js';
