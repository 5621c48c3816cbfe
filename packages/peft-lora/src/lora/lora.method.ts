import type { Module } from '@tunekit/core';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';
import { type LoraConfig, parseLoraConfig } from './lora.config.js';
import { loadAdapter, saveAdapter } from './lora.io.js';
import { LoraModel } from './lora.model.js';

function handle(lora: LoraModel): AdapterHandle {
  return {
    method: 'lora',
    model: lora.model,
    trainableParameters: () => lora.model.trainableParameters(),
    trainableParametersLine: () => lora.trainableParametersLine(),
    save: (dir, opts) => saveAdapter(lora, dir, opts),
    mergeAndUnload: () => lora.mergeAndUnload(),
    disableAdapter: (fn) => lora.disableAdapter(fn),
  };
}

/** LoRA as a PEFT_METHOD plugin (rsLoRA, DoRA and PiSSA are options of it, as in PEFT). */
export const LORA_METHOD: PeftMethod<LoraConfig> = {
  name: 'lora',
  parseConfig: (raw) => parseLoraConfig(raw),
  apply: (model: Module & { config?: { modelType?: string } }, config, opts) => handle(LoraModel.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadAdapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === 'LORA',
};
