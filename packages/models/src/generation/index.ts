export { type GenerationConfig, type GenerationDefaults, type GenerationOptions, GenerationConfigError, resolveGenerationConfig } from './generation-config.js';
export { type LogitsProcessor, type RowContext, kthLargest, logitsPipeline, repetitionPenalty, temperature, topK, topP, tracedSampling } from './logits-processors.js';
export { type TokenChooser, argmax, sampleProbabilities, sampleSoftmax, tokenChooser } from './sampler.js';
export { type KvCacheShape, StaticKvCache } from './kv-cache.js';
export { type LeftPadded, leftPad } from './left-padding.js';
export { type DistinctPrompts, distinctPrompts, takeRows } from './shared-prompts.js';
export { type FinishReason, type RowProgress, stoppingCriteria } from './stopping.js';
export type { GenerateInput } from './prompt-input.js';
export { type GenerateOptions, type GenerateResult, type TokenEvent, generate, generateStream } from './generator.js';
