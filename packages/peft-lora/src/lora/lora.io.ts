import type { HostTensor, Module } from '@tunekit/core';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, PEFT_PREFIX, assignAdapterTensors, readAdapterConfigFile, writeAdapterFolder } from '../peft/adapter-files.js';
import { type LoraConfig, parseLoraConfig, toPeftJson } from './lora.config.js';
import { LoraModel } from './lora.model.js';

export { ADAPTER_CONFIG, ADAPTER_WEIGHTS };

/**
 * Internal parameter name → PEFT's saved key: the adapter name is dropped, modules_to_save copies
 * are saved under the wrapped module's own name, DoRA's magnitude loses its `.weight`.
 */
export function peftKey(paramName: string, adapterName: string): string {
  const key = paramName
    .replace(`.modules_to_save.${adapterName}.`, '.')
    .replace(`.lora_magnitude_vector.${adapterName}.weight`, '.lora_magnitude_vector')
    .replace(`.${adapterName}.`, '.');
  return PEFT_PREFIX + key;
}

function adapterTensors(lora: LoraModel, adapterName: string): Map<string, HostTensor> {
  const config = lora.configs.get(adapterName)!;
  const out = new Map<string, HostTensor>();
  for (const [name, p] of lora.model.namedParameters()) {
    const own =
      name.includes(`.lora_A.${adapterName}.`) ||
      name.includes(`.lora_B.${adapterName}.`) ||
      name.includes(`.lora_magnitude_vector.${adapterName}.`) ||
      name.includes(`.modules_to_save.${adapterName}.`);
    const bias = name.endsWith('.bias') && (config.bias === 'all' || (config.bias === 'lora_only' && name.endsWith('base_layer.bias')));
    if (own || bias) out.set(peftKey(name, adapterName), p.value);
  }
  return out;
}

/** Writes `adapter_config.json` and `adapter_model.safetensors` exactly as PEFT's save_pretrained does. */
export async function saveAdapter(lora: LoraModel, dir: string, opts: { adapterName?: string; baseModel?: string } = {}): Promise<void> {
  const name = opts.adapterName ?? lora.activeAdapter;
  const config = lora.configs.get(name);
  if (!config) throw new Error(`lora: no adapter "${name}" to save`);
  const json = toPeftJson({ ...config, base_model_name_or_path: opts.baseModel ?? config.base_model_name_or_path });
  if (lora.layers().some(([, l]) => l.fanInFanOut && l.adapters.has(name))) json.fan_in_fan_out = true;
  await writeAdapterFolder(dir, json, adapterTensors(lora, name));
}

export function readAdapterConfig(dir: string): Promise<LoraConfig> {
  return readAdapterConfigFile(dir, (raw) => parseLoraConfig(raw, { fromPeftFile: true }));
}

/**
 * Loads a PEFT LoRA adapter (saved by PEFT or by TuneKit) onto `model`: injects the layers its
 * config names, then assigns every tensor, checking names and shapes against the model.
 */
export async function loadAdapter(
  model: Module & { config?: { modelType?: string } },
  dir: string,
  opts: { adapterName?: string; into?: LoraModel; trainable?: boolean } = {},
): Promise<LoraModel> {
  const name = opts.adapterName ?? 'default';
  const config = await readAdapterConfig(dir);
  const lora = opts.into ?? LoraModel.inject(model, config, { adapterName: name });
  if (opts.into) opts.into.addAdapter(name, config);
  const params = new Map(lora.model.namedParameters().map(([n, p]) => [peftKey(n, name), p]));
  const expected = lora.model
    .namedParameters()
    .filter(([n]) => n.includes(`.lora_A.${name}.`) || n.includes(`.lora_B.${name}.`))
    .map(([n]) => peftKey(n, name));
  await assignAdapterTensors(dir, (key) => params.get(key) ?? params.get(key.replace(/\.weight$/, `.${name}.weight`)), expected);
  if (opts.trainable === false) lora.model.freeze();
  return lora;
}
