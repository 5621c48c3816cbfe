import { type FloatDType, Rng } from '@tunekit/core';
import type { ArchFamily, ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { CausalLM } from './causal-lm.interface.js';
import { DecoderForCausalLM } from './decoder.model.js';
import { GptNeoxForCausalLM } from './gpt-neox.model.js';
import { Gpt2ForCausalLM } from './gpt2.model.js';

/** The model class of each architecture family. */
const ARCHITECTURES: Record<ArchFamily, new (config: ModelConfig, build: BuildOptions) => CausalLM> = {
  llama: DecoderForCausalLM,
  gpt2: Gpt2ForCausalLM,
  gpt_neox: GptNeoxForCausalLM,
};

export interface CreateModelOptions {
  /** Storage dtype of the parameters (default f32). */
  dtype?: FloatDType;
  /** Seed of the initial values (default 0). */
  seed?: number;
  /** Allocate zero weights without drawing values, for a model whose weights are loaded next. */
  empty?: boolean;
}

/** Builds the model a config describes, with freshly initialised weights. */
export function createModel(config: ModelConfig, opts: CreateModelOptions = {}): CausalLM {
  return new ARCHITECTURES[config.family](config, { dtype: opts.dtype ?? 'f32', rng: new Rng(opts.seed ?? 0), empty: opts.empty });
}
