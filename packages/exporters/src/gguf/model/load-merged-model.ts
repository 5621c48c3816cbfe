import { join } from 'node:path';
import { readJsonObject } from '@tunekit/core';
import { type CausalLM, HfTokenizer, type RawConfig, resolveModel } from '@tunekit/models';
import type { PeftMethod } from '@tunekit/peft-lora';
import { dequantizeModel, loadAnyModel } from '@tunekit/qlora';

export interface MergedModel {
  readonly model: CausalLM;
  readonly tokenizer: HfTokenizer;
  readonly dir: string;
  readonly generationConfig: RawConfig | null;
  /** What happened to a 4/8-bit base, in words, or null for a full-precision one. */
  readonly dequantized: string | null;
}

/**
 * A base model (folder or Hub id) in f32 with an adapter folded in: a 4/8-bit base (a QLoRA run's)
 * is dequantized first, since quantized codes cannot absorb the adapter's delta.
 */
export async function loadMergedModel(modelId: string, adapterDir: string | null, methods: readonly PeftMethod[]): Promise<MergedModel> {
  let method: PeftMethod | null = null;
  if (adapterDir !== null) {
    const file = join(adapterDir, 'adapter_config.json');
    const config = await readJsonObject(file);
    method = methods.find((m) => m.recognises(config)) ?? null;
    if (!method) throw new Error(`${file}: no registered method reads peft_type ${JSON.stringify(config.peft_type)}`);
  }
  const dir = await resolveModel(modelId);
  const loaded = await loadAnyModel(dir, { dtype: 'f32' });
  const layers = dequantizeModel(loaded.model);
  const tokenizer = await HfTokenizer.fromDir(dir);
  if (method && adapterDir !== null) (await method.load(loaded.model, adapterDir, { trainable: false })).mergeAndUnload();
  const dequantized = layers.length ? `dequantized ${layers.length} ${layers[0]!.bits}-bit layers to f32 before merging` : null;
  return { model: loaded.model as CausalLM, tokenizer, dir, generationConfig: loaded.generationConfig, dequantized };
}
