import type { HostTensor } from '@tunekit/core';
import { PEFT_PREFIX, assignAdapterTensors, configFileErrors, readAdapterConfigFile, writeAdapterFolder } from '../peft/adapter-files.js';
import { type Ia3Config, parseIa3Config, toIa3PeftJson } from './ia3.config.js';
import { type AdaptableModel, Ia3Model, isIa3Param } from './ia3.model.js';

/**
 * Internal parameter name → PEFT's saved key (get_peft_model_state_dict for IA3): the adapter name
 * is dropped, so `model.layers.0.self_attn.k_proj.ia3_l.default` is saved as
 * `base_model.model.model.layers.0.self_attn.k_proj.ia3_l`; modules_to_save copies are saved under
 * the wrapped module's own name.
 */
export function ia3Key(paramName: string, adapterName: string): string {
  const suffix = `.ia3_l.${adapterName}`;
  const key = paramName.endsWith(suffix) ? `${paramName.slice(0, -suffix.length)}.ia3_l` : paramName.replace(`.modules_to_save.${adapterName}.`, '.');
  return PEFT_PREFIX + key;
}

function adapterTensors(ia3: Ia3Model): Map<string, HostTensor> {
  const name = ia3.adapterName;
  return new Map(ia3.model.namedParameters().filter(([n]) => isIa3Param(n, name)).map(([n, p]) => [ia3Key(n, name), p.value]));
}

/**
 * Writes the adapter as PEFT's save_pretrained does for IA3: adapter_config.json (peft_type "IA3",
 * target and feed-forward modules resolved) and adapter_model.safetensors with one `ia3_l` per
 * layer, shaped [out, 1] or [1, in] as PEFT stores them.
 */
export async function saveIa3Adapter(ia3: Ia3Model, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const json = toIa3PeftJson({ ...ia3.config, base_model_name_or_path: opts.baseModel ?? ia3.config.base_model_name_or_path });
  await writeAdapterFolder(dir, json, adapterTensors(ia3));
}

export function readIa3Config(dir: string): Promise<Ia3Config> {
  return readAdapterConfigFile(dir, (raw) => parseIa3Config(raw, { fromPeftFile: true }));
}

/**
 * Loads an IA3 adapter saved by PEFT or TuneKit onto `model`: injects the layers its config names,
 * then assigns every tensor, checking names, shapes and that no vector is missing. On any error
 * the model is given its own layers back.
 */
export async function loadIa3Adapter(model: AdaptableModel, dir: string, opts: { adapterName?: string; trainable?: boolean } = {}): Promise<Ia3Model> {
  const name = opts.adapterName ?? 'default';
  const config = await readIa3Config(dir);
  const ia3 = configFileErrors(dir, () => Ia3Model.inject(model, config, { adapterName: name }));
  const own = model.namedParameters().filter(([n]) => isIa3Param(n, name));
  const params = new Map(own.map(([n, p]) => [ia3Key(n, name), p]));
  const expected = own.filter(([n]) => n.endsWith(`.ia3_l.${name}`)).map(([n]) => ia3Key(n, name));
  try {
    await assignAdapterTensors(dir, (key) => params.get(key), expected);
  } catch (e) {
    ia3.unload(); // a file that does not fit leaves the model as it was
    throw e;
  }
  if (opts.trainable === false) model.freeze();
  return ia3;
}
