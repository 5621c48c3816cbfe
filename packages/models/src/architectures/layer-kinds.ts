import type { LayerType } from '../config/layer-types.js';
import type { ModelConfig } from '../config/model-config.js';
import { ropeInverseFrequencies } from './rope.js';

/** What a layer's type changes in its attention. */
export interface LayerKind {
  /** Keys a query sees, itself included; null = every earlier key. */
  readonly window: number | null;
  /** Rotary inverse frequencies; the same array where two types share them, so their tables are built once. */
  readonly invFreq: Float32Array;
}

/**
 * Each layer type's attention, as the config sets it: full layers see everything, sliding ones
 * their window, with Gemma 3's local rotary base where the config has one.
 */
export function layerKinds(config: ModelConfig): Readonly<Record<LayerType, LayerKind>> {
  if (!config.rope) throw new Error(`${config.modelType}: the decoder needs a RoPE config`);
  const invFreq = ropeInverseFrequencies(config.rope, config.headDim);
  return {
    full_attention: { window: null, invFreq },
    sliding_attention: { window: config.slidingWindow, invFreq: config.slidingRope ? ropeInverseFrequencies(config.slidingRope, config.headDim) : invFreq },
  };
}
