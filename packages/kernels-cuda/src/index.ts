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
