import { AdapterCheckpointer } from '../peft/adapter-checkpointer.js';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';
import { BOTTLENECK_PEFT_TYPE, type BottleneckConfig, parseBottleneckConfig } from './adapter.config.js';
import { bottleneckKey, loadBottleneckAdapter, saveBottleneckAdapter } from './adapter.io.js';
import { BottleneckModel } from './adapter.model.js';

function handle(adapter: BottleneckModel): AdapterHandle {
  const h: AdapterHandle = {
    method: 'adapter',
    model: adapter.model,
    trainableParameters: () => adapter.model.trainableParameters(),
    trainableParametersLine: () => adapter.trainableParametersLine(),
    save: (dir, opts) => saveBottleneckAdapter(adapter, dir, opts),
    mergeAndUnload: () => adapter.mergeAndUnload(),
    disableAdapter: (fn) => adapter.disableAdapter(fn),
    checkpointer: (opts) => new AdapterCheckpointer(h, (name) => bottleneckKey(name, 'default'), opts?.baseModel),
  };
  return h;
}

/** Bottleneck adapters (Houlsby / Pfeiffer) as a PEFT_METHOD plugin, in TuneKit's documented format (FORMAT.md). */
export const ADAPTER_METHOD: PeftMethod<BottleneckConfig> = {
  name: 'adapter',
  parseConfig: (raw) => parseBottleneckConfig(raw),
  apply: (model, config, opts) => handle(BottleneckModel.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadBottleneckAdapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === BOTTLENECK_PEFT_TYPE,
};
