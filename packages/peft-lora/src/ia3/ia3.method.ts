import type { PeftMethod } from '../peft/peft-method.interface.js';
import { tunerHandle } from '../peft/tuner.model.js';
import { type Ia3Config, parseIa3Config } from './ia3.config.js';
import { ia3Key, loadIa3Adapter, saveIa3Adapter } from './ia3.io.js';
import { Ia3Model } from './ia3.model.js';

const handle = (ia3: Ia3Model) => tunerHandle('ia3', ia3, { save: (dir, opts) => saveIa3Adapter(ia3, dir, opts), key: ia3Key });

/** (IA)³ (Liu et al. 2022) as a PEFT_METHOD plugin, reading and writing PEFT's IA3 adapters. */
export const IA3_METHOD: PeftMethod<Ia3Config> = {
  name: 'ia3',
  parseConfig: (raw) => parseIa3Config(raw),
  apply: (model, config, opts) => handle(Ia3Model.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadIa3Adapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === 'IA3',
};
