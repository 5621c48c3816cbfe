import type { DependencyContainer } from 'tsyringe';
import { register as registerPeftLora } from '@tunekit/peft-lora';

/** The methods that ship with the CLI, under PEFT_METHOD (a config's `plugins:` add more). */
export function registerBuiltinMethods(c: DependencyContainer): void {
  registerPeftLora(c);
}
