import type { PeftMethod } from '../peft/peft-method.interface.js';
import { tunerHandle } from '../peft/tuner.model.js';
import { BOTTLENECK_PEFT_TYPE, type BottleneckConfig, parseBottleneckConfig } from './adapter.config.js';
import { bottleneckKey, loadBottleneckAdapter, saveBottleneckAdapter } from './adapter.io.js';
import { BottleneckModel } from './adapter.model.js';

const handle = (adapter: BottleneckModel) => tunerHandle('adapter', adapter, { save: (dir, opts) => saveBottleneckAdapter(adapter, dir, opts), key: bottleneckKey });

/** Bottleneck adapters (Houlsby / Pfeiffer) as a PEFT_METHOD plugin, in TuneKit's documented format (FORMAT.md). */
export const ADAPTER_METHOD: PeftMethod<BottleneckConfig> = {
  name: 'adapter',
  parseConfig: (raw) => parseBottleneckConfig(raw),
  apply: (model, config, opts) => handle(BottleneckModel.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadBottleneckAdapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === BOTTLENECK_PEFT_TYPE,
};
