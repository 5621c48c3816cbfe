import type { DependencyContainer } from 'tsyringe';
import { registerLora } from './lora/index.js';
import { registerIa3 } from './ia3/index.js';
import { registerAdapter } from './adapter/index.js';
import { registerPromptTuning } from './prompt-tuning/index.js';
import { registerPrefixTuning } from './prefix-tuning/index.js';
import { registerFull } from './full/index.js';

export * from './lora/index.js';
export * from './ia3/index.js';
export * from './adapter/index.js';
export * from './prompt-learning/index.js';
export * from './prompt-tuning/index.js';
export * from './prefix-tuning/index.js';
export * from './full/index.js';
export { PEFT_METHOD } from './tokens.js';
export type { PeftMethod, AdapterHandle, SaveOptions } from './peft/peft-method.interface.js';
export { AdapterCheckpointer, type SavedKey, TRAINABLE_EXTRA } from './peft/adapter-checkpointer.js';
export { PeftConfigError } from './peft/config-validation.js';
export { AdapterConfigError } from './peft/adapter-files.js';
export { ModuleDict } from './peft/module-dict.js';
export { ParameterDict } from './peft/parameter-dict.js';
export { type CustomBaseLayer, isCustomBaseLayer } from './peft/base-weight.js';
export { type LogicalParameterCount, parameterCounts, trainableParametersLine } from './peft/parameter-count.js';

/** Registers every method of this package (the plugin entry point a config can name). */
export function register(container: DependencyContainer): void {
  registerFull(container);
  registerLora(container);
  registerIa3(container);
  registerAdapter(container);
  registerPromptTuning(container);
  registerPrefixTuning(container);
}
