import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { PREFIX_TUNING_METHOD } from './prefix-tuning.method.js';

export { type PrefixTuningConfig, type ResolvedPrefixTuningConfig, PREFIX_TUNING_TYPE, parsePrefixTuningConfig } from './prefix-tuning.config.js';
export { PREFIX_TUNING, PrefixEncoder, PrefixProjection, type PrefixTuningAdapter, buildPrefixEncoder, injectPrefixTuning, prefixToKv } from './prefix-tuning.model.js';
export { loadPrefixTuning, savePrefixTuning } from './prefix-tuning.io.js';
export { PREFIX_TUNING_METHOD } from './prefix-tuning.method.js';

/** The method's one registration call. */
export function registerPrefixTuning(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: PREFIX_TUNING_METHOD });
}
