import { type DType, fromFloat32, toFloat32 } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';

/**
 * Gemma's √hidden as transformers multiplies by it: cast to the embedding's storage dtype first
 * (`torch.tensor(hidden ** 0.5, dtype=...)`); null for models without one.
 */
export function embeddingScale(config: ModelConfig, dtype: DType): number | null {
  return config.embedScale && toFloat32(dtype, fromFloat32(dtype, [config.embedScale.value]))[0];
}
