import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { IA3_METHOD } from './ia3.method.js';

export { type Ia3Config, IA3_DEFAULTS, parseIa3Config, toIa3PeftJson } from './ia3.config.js';
export { DEFAULT_IA3_TARGETS, DEFAULT_IA3_FEEDFORWARD, type Ia3Base, findIa3Targets, resolveIa3Config } from './ia3.targets.js';
export { Ia3Layer } from './ia3.layer.js';
export { Ia3Model, isIa3Param } from './ia3.model.js';
export { ia3Key, saveIa3Adapter, loadIa3Adapter, readIa3Config } from './ia3.io.js';
export { IA3_METHOD } from './ia3.method.js';

/** The method's one registration call. */
export function registerIa3(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: IA3_METHOD });
}
