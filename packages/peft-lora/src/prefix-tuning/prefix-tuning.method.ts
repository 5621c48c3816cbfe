import type { PeftMethod } from '../peft/peft-method.interface.js';
import { type PrefixTuningConfig, PREFIX_TUNING_TYPE, parsePrefixTuningConfig } from './prefix-tuning.config.js';
import { loadPrefixTuning, savePrefixTuning } from './prefix-tuning.io.js';
import { PREFIX_TUNING, type PrefixTuningAdapter, injectPrefixTuning } from './prefix-tuning.model.js';

// PEFT saves the finished prefix (with prefix_projection, the MLP's output), not the parameters
// that make it: they are checkpointed raw under their own names (TRAINABLE_EXTRA).
const handle = (adapter: PrefixTuningAdapter) => adapter.handle((dir, opts) => savePrefixTuning(adapter, dir, opts), (name) => name);

/** Prefix tuning as a PEFT_METHOD plugin (`method: prefix_tuning`, adapters with peft_type PREFIX_TUNING). */
export const PREFIX_TUNING_METHOD: PeftMethod<PrefixTuningConfig> = {
  name: PREFIX_TUNING,
  parseConfig: (raw) => parsePrefixTuningConfig(raw),
  apply: (model, config, opts) => handle(injectPrefixTuning(model, config, opts)),
  load: async (model, dir, opts) => handle(await loadPrefixTuning(model, dir, opts)),
  recognises: (c) => c.peft_type === PREFIX_TUNING_TYPE,
};
