import type { DependencyContainer } from 'tsyringe';
import { registerExecutors, registerTasks } from '@tunekit/core';
import { register as registerPeftLora } from '@tunekit/peft-lora';

/**
 * What ships with the CLI, each under its package's tokens: the executors (EXECUTOR_PROVIDER), the
 * tasks (TASK_PROVIDER) and the methods (PEFT_METHOD). A config's `plugins:` add more under the same tokens.
 */
export function registerBuiltins(c: DependencyContainer): void {
  registerExecutors(c);
  registerTasks(c);
  registerPeftLora(c);
}
