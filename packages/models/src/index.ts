// ---- configuration ----
export { type ArchFamily, type ModelConfig, parseModelConfig } from './config/model-config.js';
export { MODEL_TYPES, type ModelType, isModelType } from './config/model-types.js';
export { type RopeConfig, type RopeScaling, type RopeScalingType } from './config/rope-scaling.js';
export { type RawConfig } from './config/config-fields.js';
export { ModelConfigError } from './config/config-error.js';

// ---- architectures ----
export type { CausalLM, CausalLMOutput, ForwardOptions, HiddenStates, KvCache, KvEntry } from './architectures/causal-lm.interface.js';
export { CausalLMBase } from './architectures/causal-lm.base.js';
export type { VirtualTokens, VirtualTokenSource } from './architectures/virtual-tokens.js';
export { type CreateModelOptions, createModel } from './architectures/create-model.js';
export { DecoderForCausalLM, DecoderBackbone } from './architectures/decoder.model.js';
export { DecoderLayer } from './architectures/decoder.layer.js';
export { DecoderAttention } from './architectures/decoder.attention.js';
export { DecoderMlp } from './architectures/decoder.mlp.js';
export { MoeBlock, type MoeOutput } from './architectures/moe.block.js';
export { MoeRouter, type Routing } from './architectures/moe.router.js';
export { MoeExperts } from './architectures/moe.experts.js';
export { loadBalancingLoss } from './architectures/moe.aux-loss.js';
export { type MoeConfig } from './config/moe-config.js';
export { Gpt2ForCausalLM, Gpt2Backbone } from './architectures/gpt2.model.js';
export { Gpt2Attention, Gpt2Block, Gpt2Mlp } from './architectures/gpt2.block.js';
export { Conv1D } from './architectures/gpt2.conv1d.js';
export { TiedLmHead } from './architectures/lm-head.js';
export { embeddingScale } from './architectures/embedding-scale.js';
export { ModuleList } from './architectures/module-list.js';
export { type RotaryTables, ropeInverseFrequencies, rotaryTables } from './architectures/rope.js';
export { type TensorInit, type TensorSpec, checkpointLayout } from './architectures/checkpoint-layout.js';
export { type Backbone, backboneName, createBackbone } from './architectures/backbones.js';
export { type ClassifierForwardOptions, SequenceClassificationModel } from './architectures/sequence-classification.model.js';
export { lastNonPadToken } from './architectures/last-non-pad.js';
export { type ModelHead, modelHead, parseNumLabels } from './config/model-head.js';

// ---- loading and saving ----
export { type LoadModelOptions, type LoadedModel, loadModel, readModelConfig } from './loading/load-model.js';
export { CheckpointReader, type LoadWeightsOptions, type WeightTarget, loadWeights } from './loading/load-weights.js';
export { type LoadSequenceClassifierOptions, loadSequenceClassifier } from './loading/load-sequence-classifier.js';
export { initializeWeights } from './loading/init-weights.js';
export { saveModel } from './loading/save-model.js';
export { type TensorSource, writeShardedCheckpoint } from './loading/shard-writer.js';
export { CheckpointError } from './loading/checkpoint-error.js';

// ---- tokenizer, chat templates, Hub ----
export * from './tokenizer/index.js';
export * from './chat/index.js';
export * from './hub/index.js';

// ---- generation (packages/models/src/generation) ----
export * from './generation/index.js';

// ---- tokenizer training (packages/models/src/tokenizer/training) ----
export * from './tokenizer/training/index.js';
