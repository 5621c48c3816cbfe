import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { LORA_METHOD } from './lora.method.js';

export { type LoraConfig, type LoraInit, type LoraBias, LORA_DEFAULTS, parseLoraConfig, loraScaling, toPeftJson } from './lora.config.js';
export { LoraLayer, type LoraAdapter, type LoraBase, type CustomLoraBase, isCustomLoraBase } from './lora.layer.js';
export { LoraModel, isAdapterParam } from './lora.model.js';
export { DEFAULT_LORA_TARGETS, findTargets, matchesModules } from './lora.targets.js';
export { type LoraVariant, STANDARD_LORA, DORA, variantFor } from './lora.variants.js';
export { truncatedSvd } from './lora.pissa.js';
export { saveAdapter, loadAdapter, readAdapterConfig, peftKey, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './lora.io.js';
export { ModulesToSave } from '../peft/modules-to-save.js';
export { LORA_METHOD } from './lora.method.js';

/** The method's one registration call. */
export function registerLora(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: LORA_METHOD });
}
