import { type DType, fromFloat32, toFloat32 } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';

/**
 * The embedding multiplier as transformers applies it: Gemma's √hidden cast to the embedding's
 * storage dtype first (`torch.tensor(hidden ** 0.5, dtype=...)`), Granite's as the float it is;
 * null for models without one.
 */
export function embeddingScale(config: ModelConfig, dtype: DType): number | null {
  const scale = config.embedScale;
  return scale && (scale.inStorageDtype ? toFloat32(dtype, fromFloat32(dtype, [scale.value]))[0] : scale.value);
}
