import type { ConfigFields } from './config-fields.js';
import type { HiddenScaling } from './model-config.js';

/** Granite's `embedding_multiplier`, `residual_multiplier` and `logits_scaling` (a divisor), each 1 by default. */
export function readGraniteScaling(f: ConfigFields): HiddenScaling {
  return {
    embedding: f.number('embedding_multiplier', 1),
    residual: f.number('residual_multiplier', 1),
    logitsDivisor: f.positive('logits_scaling', 1),
  };
}
