import { type ForeignFieldRule, foreignRefusal, neutral } from '@tunekit/core';
import type { ConfigFields } from './config-fields.js';

/**
 * config.json fields, of any model type, that transformers acts on and TuneKit does not implement,
 * under the core config kit's foreign-field rule: at their neutral value they load (and `saveModel`
 * writes the file back as read, so they are kept); at any other value the file is refused, naming
 * the field. Fields a single architecture reads are refused by that architecture's traits
 * (`use_sliding_window` for Qwen, `add_cross_attention` for GPT-2, ...). Any other key is left
 * alone: transformers' config classes take arbitrary keys and their models ignore the ones they do
 * not read, so an unread key cannot change the math.
 */
export const CONFIG_JSON_FOREIGN_FIELDS: ForeignFieldRule = {
  library: 'transformers',
  fields: {
    // PreTrainedModel.init_weights prunes these attention heads from every layer it names.
    pruned_heads: { neutral: neutral.off, feature: 'attention head pruning' },
  },
};

/** Refuses a foreign field set to a value that would change the math. */
export function checkForeignConfigFields(f: ConfigFields): void {
  for (const [key, field] of Object.entries(CONFIG_JSON_FOREIGN_FIELDS.fields)) {
    const value = f.raw[key];
    if (value !== undefined && !field.neutral(value, f.raw)) f.fail(key, foreignRefusal(field, value, CONFIG_JSON_FOREIGN_FIELDS.library));
  }
}
