import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostTensor, type Module, SafetensorsFile, writeDirAtomically, writeSafetensors } from '@tunekit/core';
import { type LoraConfig, parseLoraConfig, toPeftJson } from './lora.config.js';
import { LoraModel } from './lora.model.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

/**
 * Internal parameter name → PEFT's saved key: the adapter name is dropped, modules_to_save copies
 * are saved under the wrapped module's own name, DoRA's magnitude loses its `.weight`.
 */
export function peftKey(paramName: string, adapterName: string): string {
  const key = paramName
    .replace(`.modules_to_save.${adapterName}.`, '.')
    .replace(`.lora_magnitude_vector.${adapterName}.weight`, '.lora_magnitude_vector')
    .replace(`.${adapterName}.`, '.');
  return PREFIX + key;
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

/**
 * Writes `adapter_config.json` and `adapter_model.safetensors` exactly as PEFT's save_pretrained
 * does, into a temporary folder renamed into place, so a crash never leaves half an adapter.
 */
export async function saveAdapter(lora: LoraModel, dir: string, opts: { adapterName?: string; baseModel?: string } = {}): Promise<void> {
  const name = opts.adapterName ?? lora.activeAdapter;
  const config = lora.configs.get(name);
  if (!config) throw new Error(`lora: no adapter "${name}" to save`);
  await writeDirAtomically(dir, async (tmp) => {
    const json = toPeftJson({ ...config, base_model_name_or_path: opts.baseModel ?? config.base_model_name_or_path });
    if (lora.layers().some(([, l]) => l.fanInFanOut && l.adapters.has(name))) json.fan_in_fan_out = true;
    await writeFile(join(tmp, ADAPTER_CONFIG), `${JSON.stringify(json, null, 2)}\n`);
    await writeSafetensors(join(tmp, ADAPTER_WEIGHTS), adapterTensors(lora, name), { format: 'pt' });
  });
}

export async function readAdapterConfig(dir: string): Promise<LoraConfig> {
  const file = join(dir, ADAPTER_CONFIG);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!raw || typeof raw !== 'object') throw new Error(`${file}: expected a JSON object`);
  try {
    return parseLoraConfig(raw as Record<string, unknown>, { fromPeftFile: true });
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
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
  const file = join(dir, ADAPTER_WEIGHTS);
  const st = await SafetensorsFile.open(file);
  try {
    const seen = new Set<string>();
    for (const key of st.names()) {
      const p = params.get(key) ?? params.get(key.replace(/\.weight$/, `.${name}.weight`));
      if (!p) throw new Error(`${file}: tensor "${key}" matches no parameter of the adapted model`);
      const info = st.info(key);
      if (info.shape.join() !== p.shape.join()) {
        throw new Error(`${file}: tensor "${key}" has shape [${info.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
      }
      p.assign(await st.read(key, { into: p.dtype }));
      seen.add(key);
    }
    const expected = lora.model
      .namedParameters()
      .filter(([n]) => n.includes(`.lora_A.${name}.`) || n.includes(`.lora_B.${name}.`))
      .map(([n]) => peftKey(n, name));
    const missing = expected.filter((k) => !seen.has(k));
    if (missing.length) throw new Error(`${file}: missing adapter tensors ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
  } finally {
    await st.close();
  }
  if (opts.trainable === false) lora.model.freeze();
  return lora;
}
