import type { DependencyContainer } from 'tsyringe';
import { registerLora } from './lora/index.js';

export * from './lora/index.js';
export { PEFT_METHOD } from './tokens.js';
export type { PeftMethod, AdapterHandle } from './peft/peft-method.interface.js';
export { PeftConfigError, didYouMean } from './peft/config-validation.js';
export { ModuleDict } from './peft/module-dict.js';

/** Registers every method of this package (the plugin entry point a config can name). */
export function register(container: DependencyContainer): void {
  registerLora(container);
}
