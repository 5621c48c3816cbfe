import type { HostTensor } from '@tunekit/core';
import { PEFT_PREFIX, assignAdapterTensors, configFileErrors, readAdapterConfigFile, writeAdapterFolder } from '../peft/adapter-files.js';
import { peftError } from '../peft/config-validation.js';
import { TUNEKIT_VERSION } from '../peft/tunekit-version.js';
import { BOTTLENECK_PEFT_TYPE, type BottleneckConfig, parseBottleneckConfig } from './adapter.config.js';
import { type AdaptableModel, ADAPTER_PARTS, BottleneckModel, isBottleneckParam } from './adapter.model.js';

/**
 * TuneKit's bottleneck adapter format, version 1 (no other library writes these in PEFT's layout;
 * FORMAT.md beside this file has the same description). A folder of two files:
 *
 * `adapter_config.json` — one JSON object, keys sorted:
 *   peft_type "BOTTLENECK_ADAPTER"; format_version 1; library "tunekit"; tunekit_version (the writer's);
 *   task_type "CAUSAL_LM"; base_model_name_or_path (string or null); inference_mode true;
 *   config "houlsby" | "pfeiffer"; reduction_factor (number) and bottleneck_size (integer), exactly
 *   one of them non-null; non_linearity "relu" | "gelu" | "silu"; layer_norm (bool); residual (bool);
 *   layers_to_transform (list of block indices, or null for every block).
 *
 * `adapter_model.safetensors` — metadata {"format": "pt"}, float tensors (f32 as written; any float
 * dtype is read). For each adapted sublayer at path P of the base model (`model.layers.3.self_attn`,
 * `model.layers.3.mlp`, GPT-2's `transformer.h.3.attn` / `transformer.h.3.mlp`), with H the hidden
 * size and b the bottleneck width:
 *   base_model.model.P.adapter_down.weight [b, H]   base_model.model.P.adapter_down.bias [b]
 *   base_model.model.P.adapter_up.weight   [H, b]   base_model.model.P.adapter_up.bias   [H]
 *   base_model.model.P.adapter_norm.weight [H]      base_model.model.P.adapter_norm.bias [H]   (layer_norm only)
 * Weights are stored [out, in] (y = x·Wᵀ + b). The sublayer's output h becomes
 * h + up(act(down(norm(h)))) (or up(act(down(norm(h)))) without the residual).
 *
 * The loader accepts exactly this: unknown keys, a second format version, a tensor the model has no
 * place for, a missing tensor or a wrong shape are errors naming the file and key or tensor.
 */
export const BOTTLENECK_FORMAT_VERSION = 1;

/** Internal parameter name → saved key: the adapter's name is dropped (`adapter_up.default.weight` → `adapter_up.weight`). */
export function bottleneckKey(paramName: string, adapterName: string): string {
  let key = paramName;
  for (const part of ADAPTER_PARTS) key = key.replace(`.${part}.${adapterName}.`, `.${part}.`);
  return PEFT_PREFIX + key;
}

/** adapter_config.json for a config, every option written out. */
export function toBottleneckJson(config: BottleneckConfig): Record<string, unknown> {
  return {
    base_model_name_or_path: config.base_model_name_or_path,
    bottleneck_size: config.bottleneck_size,
    config: config.config,
    format_version: BOTTLENECK_FORMAT_VERSION,
    inference_mode: true,
    layer_norm: config.layer_norm,
    layers_to_transform: config.layers_to_transform,
    library: 'tunekit',
    non_linearity: config.non_linearity,
    peft_type: BOTTLENECK_PEFT_TYPE,
    reduction_factor: config.reduction_factor,
    residual: config.residual,
    task_type: config.task_type,
    tunekit_version: TUNEKIT_VERSION,
  };
}

export async function saveBottleneckAdapter(adapter: BottleneckModel, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const name = adapter.adapterName;
  const json = toBottleneckJson({ ...adapter.config, base_model_name_or_path: opts.baseModel ?? adapter.config.base_model_name_or_path });
  const tensors = new Map<string, HostTensor>(adapter.model.namedParameters().filter(([n]) => isBottleneckParam(n, name)).map(([n, p]) => [bottleneckKey(n, name), p.value]));
  await writeAdapterFolder(dir, json, tensors);
}

/** Checks the format's own keys, then the options. */
function parseBottleneckFile(raw: Record<string, unknown>): BottleneckConfig {
  if (raw.format_version !== BOTTLENECK_FORMAT_VERSION) {
    throw peftError('adapter config', 'format_version', `expected ${BOTTLENECK_FORMAT_VERSION} (this TuneKit reads version ${BOTTLENECK_FORMAT_VERSION}), got ${JSON.stringify(raw.format_version)}`);
  }
  if (raw.peft_type !== BOTTLENECK_PEFT_TYPE) throw peftError('adapter config', 'peft_type', `expected "${BOTTLENECK_PEFT_TYPE}", got ${JSON.stringify(raw.peft_type)}`);
  // A file says which size it used: the default (reduction_factor 16) applies to user configs only.
  if ((raw.reduction_factor ?? null) === null && (raw.bottleneck_size ?? null) === null) {
    throw peftError('adapter config', 'bottleneck_size', 'the file gives neither reduction_factor nor bottleneck_size');
  }
  return parseBottleneckConfig(raw, { fromFile: true });
}

export function readBottleneckConfig(dir: string): Promise<BottleneckConfig> {
  return readAdapterConfigFile(dir, parseBottleneckFile);
}

/**
 * Loads a saved bottleneck adapter onto `model`: wraps the sublayers its config names, then reads
 * every tensor, checking names and shapes; on any error the model gets its own sublayers back.
 */
export async function loadBottleneckAdapter(model: AdaptableModel, dir: string, opts: { adapterName?: string; trainable?: boolean } = {}): Promise<BottleneckModel> {
  const name = opts.adapterName ?? 'default';
  const config = await readBottleneckConfig(dir);
  const adapter = configFileErrors(dir, () => BottleneckModel.inject(model, config, { adapterName: name }));
  const own = model.namedParameters().filter(([n]) => isBottleneckParam(n, name));
  const params = new Map(own.map(([n, p]) => [bottleneckKey(n, name), p]));
  try {
    await assignAdapterTensors(dir, (key) => params.get(key), [...params.keys()]);
  } catch (e) {
    adapter.unload();
    throw e;
  }
  if (opts.trainable === false) model.freeze();
  return adapter;
}
