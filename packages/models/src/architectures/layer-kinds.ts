import type { LayerType } from '../config/layer-types.js';
import type { ModelConfig } from '../config/model-config.js';

/** What a layer's type changes in its attention. */
export interface LayerKind {
  /** Keys a query sees, itself included; null = every earlier key. */
  readonly window: number | null;
}

/** Each layer type's attention, as the config sets it: full layers see everything, sliding ones their window. */
export function layerKinds(config: ModelConfig): Readonly<Record<LayerType, LayerKind>> {
  return {
    full_attention: { window: null },
    sliding_attention: { window: config.slidingWindow },
  };
}
