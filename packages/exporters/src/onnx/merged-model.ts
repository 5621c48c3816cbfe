import { join } from 'node:path';
import { readJsonObject } from '@tunekit/core';
import { type CausalLM, type RawConfig, resolveModel } from '@tunekit/models';
import { ADAPTER_CONFIG, type PeftMethod } from '@tunekit/peft-lora';
import { type BnbConfig, dequantizeModel, loadAnyModel } from '@tunekit/qlora';

/** A model ready to export: full precision, any adapter folded in. */
export interface MergedModel {
  readonly model: CausalLM;
  /** The folder it was loaded from (config, tokenizer and generation files). */
  readonly dir: string;
  readonly generationConfig: RawConfig | null;
  /** The 4- or 8-bit quantization the base was stored in, now dequantized; null for a full-precision base. */
  readonly dequantizedFrom: BnbConfig | null;
}

/** The registered method that reads the adapter folder's adapter_config.json. */
async function adapterMethod(adapterDir: string, methods: readonly PeftMethod[]): Promise<PeftMethod> {
  const file = join(adapterDir, ADAPTER_CONFIG);
  const config = await readJsonObject(file);
  const method = methods.find((m) => m.recognises(config));
  if (!method) throw new Error(`${file}: no registered method reads peft_type ${JSON.stringify(config.peft_type)} (have ${methods.map((m) => m.name).join(', ')})`);
  return method;
}

/**
 * Loads a base model in f32 and merges an adapter into it (PEFT's merge_and_unload). A 4/8-bit
 * (QLoRA) base is dequantized first: codes cannot absorb an adapter's delta, and the exported
 * formats store their own weight types.
 */
export async function loadMergedModel(modelPathOrId: string, adapterDir: string | null, methods: readonly PeftMethod[]): Promise<MergedModel> {
  const method = adapterDir === null ? null : await adapterMethod(adapterDir, methods);
  const dir = await resolveModel(modelPathOrId);
  const loaded = await loadAnyModel(dir, { dtype: 'f32' });
  dequantizeModel(loaded.model);
  if (method && adapterDir !== null) (await method.load(loaded.model, adapterDir, { trainable: false })).mergeAndUnload();
  return { model: loaded.model as CausalLM, dir, generationConfig: loaded.generationConfig, dequantizedFrom: loaded.quantization };
}
