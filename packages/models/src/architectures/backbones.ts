import type { Module, Tensor } from '@tunekit/core';
import type { ArchFamily, ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';
import { DecoderBackbone } from './decoder.model.js';
import { GptNeoxBackbone } from './gpt-neox.model.js';
import { Gpt2Backbone } from './gpt2.model.js';

/** A family's bare transformer (transformers' `base_model`): ids → final-norm hidden states [B, T, H]. */
export interface Backbone extends Module {
  forward(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] };
}

/** Each family's backbone and the attribute transformers keeps it under (`base_model_prefix`). */
const BACKBONES: Record<ArchFamily, { readonly name: string; create(config: ModelConfig, build: BuildOptions): Backbone }> = {
  llama: { name: 'model', create: (c, b) => new DecoderBackbone(c, b) },
  gpt2: { name: 'transformer', create: (c, b) => new Gpt2Backbone(c, b) },
  gpt_neox: { name: 'gpt_neox', create: (c, b) => new GptNeoxBackbone(c, b) },
};

/** The backbone a config describes, with the child name its parameters are saved under. */
export function createBackbone(config: ModelConfig, build: BuildOptions): { name: string; module: Backbone } {
  const { name, create } = BACKBONES[config.family];
  return { name, module: create(config, build) };
}

/** The attribute a family's backbone is kept under (transformers' `base_model_prefix`: `model`, `transformer`). */
export function backboneName(config: ModelConfig): string {
  return BACKBONES[config.family].name;
}
