import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FloatDType, type JsonFileError, readJsonObject } from '@tunekit/core';
import { type CausalLM, HfTokenizer, resolveModel } from '@tunekit/models';
import { ADAPTER_CONFIG, type AdapterHandle, type PeftMethod } from '@tunekit/peft-lora';
import { type BnbConfig, type DequantizedLayer, type LoadedAnyModel, dequantizeModel, loadAnyModel } from '@tunekit/qlora';
import { CliError } from './cli-error.js';

export interface LoadModelWithAdapterOptions {
  /** Storage dtype of the base weights (default f32). */
  dtype?: FloatDType;
  /** Hub revision (branch, tag or commit) when `modelPathOrId` is a repo id. */
  revision?: string;
  /** Methods that may have written the adapter: the container's PEFT_METHOD registrations. */
  readonly methods: readonly PeftMethod[];
  /** Quantize a full-precision base while loading, as a QLoRA run did (a pre-quantized folder loads as stored). */
  quantization?: BnbConfig | null;
  /** Turn a quantized base back into f32 Linears before the adapter goes on (what merging needs). */
  dequantize?: boolean;
}

export interface ModelWithAdapter extends LoadedAnyModel {
  readonly tokenizer: HfTokenizer;
  /** The loaded adapter (frozen, for inference), or null without `adapterDir`. */
  readonly adapter: AdapterHandle | null;
  /** The layers `dequantize` turned back into f32 (empty without it, or for a full-precision base). */
  readonly dequantized: readonly DequantizedLayer[];
}

/** The method whose config format the adapter folder's adapter_config.json is in. */
async function adapterMethod(adapterDir: string, methods: readonly PeftMethod[]): Promise<PeftMethod> {
  const file = join(adapterDir, ADAPTER_CONFIG);
  let config: Record<string, unknown>;
  try {
    config = await readJsonObject(file);
  } catch (e) {
    const { cause, detail } = e as JsonFileError;
    throw new CliError(`${file}: cannot read the adapter config (${(cause as NodeJS.ErrnoException | undefined)?.code ?? detail})`);
  }
  const method = methods.find((m) => m.recognises(config));
  if (!method) {
    const type = config.peft_type;
    throw new CliError(`${file}: no registered method reads peft_type ${JSON.stringify(type)} (have ${methods.map((m) => m.name).join(', ')})`);
  }
  return method;
}

/**
 * A model folder or Hub id, its tokenizer, and optionally a saved adapter on top (PEFT layout,
 * any registered method), ready for generation or evaluation. Used by `tunekit generate --adapter`,
 * `eval` and `merge`. A bitsandbytes checkpoint (`tunekit quantize`, or transformers' 4/8-bit
 * save_pretrained) loads quantized, like any base: the adapter goes on top of its 4/8-bit layers.
 */
export async function loadModelWithAdapter(modelPathOrId: string, adapterDir: string | undefined, options: LoadModelWithAdapterOptions): Promise<ModelWithAdapter> {
  // Read the adapter's config first: a wrong folder should fail before a download or a load.
  const method = adapterDir === undefined ? null : await adapterMethod(adapterDir, options.methods);
  const dir = await resolveModel(modelPathOrId, options.revision === undefined ? {} : { revision: options.revision });
  const loaded = await loadAnyModel(dir, { dtype: options.dtype, quantization: options.quantization });
  const dequantized = options.dequantize ? dequantizeModel(loaded.model) : [];
  const tokenizer = await HfTokenizer.fromDir(dir);
  const adapter = method && adapterDir !== undefined ? await method.load(loaded.model, adapterDir, { trainable: false }) : null;
  return { ...loaded, model: loaded.model as CausalLM, tokenizer, adapter, dequantized };
}

/** What a Hugging Face folder needs besides weights and config.json to be loaded by name, as save_pretrained writes it. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'] as const;

/** Copies the tokenizer files `from` has into `to`; returns the names copied. */
export async function copyTokenizerFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of TOKENIZER_FILES) {
    try {
      await copyFile(join(from, name), join(to, name));
      copied.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return copied;
}
