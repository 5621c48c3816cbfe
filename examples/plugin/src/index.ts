import { CALLBACK, EXECUTOR_PROVIDER, TASK_PROVIDER } from '@tunekit/core';
import { PEFT_METHOD } from '@tunekit/peft-lora';
import type { DependencyContainer } from 'tsyringe';
import { NORM_SCALE_METHOD } from './norm-scale.method.js';
import { SINGLE_THREAD_EXECUTOR } from './single-thread.executor.js';
import { SMOOTHED_SFT_TASK } from './smoothed-sft.task.js';
import { StepLogCallback } from './step-log.callback.js';

export { NORM_SCALE, NORM_SCALE_METHOD, type NormScaleConfig, parseNormScaleConfig } from './norm-scale.method.js';
export { ScaledNorm } from './norm-scale.layer.js';
export { SMOOTHED_SFT, SMOOTHED_SFT_TASK, type SmoothedSftConfig, SmoothedSftTask, parseSmoothedSftConfig } from './smoothed-sft.task.js';
export { STEP_LOG_FILE, StepLogCallback } from './step-log.callback.js';
export { ORT_SINGLE_THREAD, SINGLE_THREAD_EXECUTOR, SingleThreadExecutor } from './single-thread.executor.js';

/** What a config's `plugins: [tunekit-plugin-example]` runs: one registration per extension point it adds. */
export function register(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: NORM_SCALE_METHOD });
  container.register(TASK_PROVIDER, { useValue: SMOOTHED_SFT_TASK });
  container.register(CALLBACK, { useValue: new StepLogCallback() });
  container.register(EXECUTOR_PROVIDER, { useValue: SINGLE_THREAD_EXECUTOR });
}
