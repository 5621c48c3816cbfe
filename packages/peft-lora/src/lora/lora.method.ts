import type { Executor, Module } from '@tunekit/core';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';
import { tunerHandle } from '../peft/tuner.model.js';
import { type LoraConfig, parseLoraConfig } from './lora.config.js';
import { loadAdapter, peftKey, saveAdapter } from './lora.io.js';
import { LoraModel } from './lora.model.js';

// Runs train LoRA's default adapter, which PEFT saves without its name.
const handle = (lora: LoraModel): AdapterHandle =>
  Object.assign(tunerHandle('lora', lora, { save: (dir, opts) => saveAdapter(lora, dir, opts), key: peftKey }), { withMergedAdapter: <T>(executor: Executor, fn: () => Promise<T>) => lora.withMerged(executor, fn) });

/** LoRA as a PEFT_METHOD plugin (rsLoRA, DoRA and PiSSA are options of it, as in PEFT). */
export const LORA_METHOD: PeftMethod<LoraConfig> = {
  name: 'lora',
  parseConfig: (raw) => parseLoraConfig(raw),
  apply: (model: Module & { config?: { modelType?: string } }, config, opts) => handle(LoraModel.inject(model, config, { seed: opts?.seed })),
  load: async (model, dir, opts) => handle(await loadAdapter(model, dir, { trainable: opts?.trainable })),
  recognises: (c) => c.peft_type === 'LORA',
};
