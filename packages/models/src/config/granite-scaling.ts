import type { ConfigFields } from './config-fields.js';
import type { ModelConfig } from './model-config.js';

/**
 * Granite's `embedding_multiplier` (on every input embedding, as a plain float: transformers does
 * not round it to the weights' dtype), `residual_multiplier` and `logits_scaling` (a divisor), each 1 by default.
 */
export function readGraniteMultipliers(f: ConfigFields): Pick<ModelConfig, 'embedScale' | 'scaling'> {
  const embedding = f.number('embedding_multiplier', 1);
  return {
    embedScale: embedding === 1 ? null : { value: embedding, appliesTo: 'inputs', inStorageDtype: false },
    scaling: { residual: f.number('residual_multiplier', 1), logitsDivisor: f.positive('logits_scaling', 1) },
  };
}
