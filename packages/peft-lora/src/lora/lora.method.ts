import type { Module } from '@tunekit/core';
import { AdapterCheckpointer } from '../peft/adapter-checkpointer.js';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';
import { type LoraConfig, parseLoraConfig } from './lora.config.js';
import { loadAdapter, peftKey, saveAdapter } from './lora.io.js';
import { LoraModel } from './lora.model.js';

function handle(lora: LoraModel): AdapterHandle {
  const h: AdapterHandle = {
    method: 'lora',
    model: lora.model,
    trainableParameters: () => lora.model.trainableParameters(),
    trainableParametersLine: () => lora.trainableParametersLine(),
    save: (dir, opts) => saveAdapter(lora, dir, opts),
    mergeAndUnload: () => lora.mergeAndUnload(),
    disableAdapter: (fn) => lora.disableAdapter(fn),
    // Runs train LoRA's default adapter, which PEFT saves without its name.
    checkpointer: (opts) => new AdapterCheckpointer(h, (name) => peftKey(name, 'default'), opts?.baseModel),
  };
  return h;
}

/** LoRA as a PEFT_METHOD plugin (rsLoRA, DoRA and PiSSA are options of it, as in PEFT). */
export const LORA_METHOD: PeftMethod<LoraConfig> = {
  name: 'lora',
  parseConfig: (raw) => parseLoraConfig(raw),
  apply: (model: Module & { config?: { modelType?: string } }, config, opts) => handle(LoraModel.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadAdapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === 'LORA',
};
