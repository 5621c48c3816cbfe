import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Executor, FloatDType } from '@tunekit/core';
import { type CausalLM, HfTokenizer, type LoadedModel, loadModel, resolveModel } from '@tunekit/models';
import { ADAPTER_CONFIG, type AdapterHandle, LORA_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { CliError } from './cli-error.js';

export interface LoadModelWithAdapterOptions {
  /** Storage dtype of the base weights (default f32). */
  dtype?: FloatDType;
  /** Hub revision (branch, tag or commit) when `modelPathOrId` is a repo id. */
  revision?: string;
  executor?: Executor;
  /** Methods that may have written the adapter (default: LoRA); the container's PEFT_METHOD registrations in the CLI. */
  methods?: readonly PeftMethod[];
}

export interface ModelWithAdapter extends LoadedModel {
  readonly tokenizer: HfTokenizer;
  /** The loaded adapter (frozen, for inference), or null without `adapterDir`. */
  readonly adapter: AdapterHandle | null;
}

/** The method whose config format the adapter folder's adapter_config.json is in. */
async function adapterMethod(adapterDir: string, methods: readonly PeftMethod[]): Promise<PeftMethod> {
  const file = join(adapterDir, ADAPTER_CONFIG);
  let config: unknown;
  try {
    config = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: cannot read the adapter config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const method = methods.find((m) => typeof config === 'object' && config !== null && m.recognises(config as Record<string, unknown>));
  if (!method) {
    const type = (config as { peft_type?: unknown } | null)?.peft_type;
    throw new CliError(`${file}: no registered method reads peft_type ${JSON.stringify(type)} (have ${methods.map((m) => m.name).join(', ')})`);
  }
  return method;
}

/**
 * A model folder or Hub id, its tokenizer, and optionally a saved adapter on top (PEFT layout,
 * any registered method), ready for generation or evaluation. Used by `tunekit generate --adapter`,
 * `eval` and `merge`.
 */
export async function loadModelWithAdapter(modelPathOrId: string, adapterDir?: string, options: LoadModelWithAdapterOptions = {}): Promise<ModelWithAdapter> {
  // Read the adapter's config first: a wrong folder should fail before a download or a load.
  const method = adapterDir === undefined ? null : await adapterMethod(adapterDir, options.methods ?? [LORA_METHOD]);
  const dir = await resolveModel(modelPathOrId, options.revision === undefined ? {} : { revision: options.revision });
  const loaded = await loadModel(dir, { dtype: options.dtype, executor: options.executor });
  const tokenizer = await HfTokenizer.fromDir(dir);
  const adapter = method && adapterDir !== undefined ? await method.load(loaded.model, adapterDir, { trainable: false }) : null;
  return { ...loaded, model: loaded.model as CausalLM, tokenizer, adapter };
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
