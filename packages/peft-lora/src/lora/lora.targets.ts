import type { Module } from '@tunekit/core';
import { isWeightedBase } from '../peft/base-weight.js';
import { isOutputHead, matchesModules } from '../peft/module-match.js';
import type { LoraConfig } from './lora.config.js';
import type { LoraBase } from './lora.layer.js';

/**
 * Default target modules per architecture, as PEFT 0.21's
 * TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING has them. A model type PEFT has no entry for
 * (phi3, qwen3_moe, olmo2, smollm3, granite) has none here either: PEFT then asks for target_modules.
 */
export const DEFAULT_LORA_TARGETS: Record<string, readonly string[]> = {
  llama: ['q_proj', 'v_proj'],
  mistral: ['q_proj', 'v_proj'],
  mixtral: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  qwen3: ['q_proj', 'v_proj'],
  gemma: ['q_proj', 'v_proj'],
  gemma2: ['q_proj', 'v_proj'],
  gemma3_text: ['q_proj', 'v_proj'],
  gpt2: ['c_attn'],
  gpt_neox: ['query_key_value'],
};

export const isAdaptable = (m: Module): m is LoraBase => isWeightedBase(m);

export { matchesModules };

const LAYER_INDEX = /\.(?:layers|h|blocks)\.(\d+)\./;

/** The names of the modules a config adapts in `model`, in module order. */
export function findTargets(model: Module, config: LoraConfig, modelType: string | undefined): string[] {
  const spec = config.target_modules ?? DEFAULT_LORA_TARGETS[modelType ?? ''];
  if (!spec) {
    throw new Error(`lora: target_modules is not set and there is no default for model type "${modelType ?? 'unknown'}"`);
  }
  const layers = config.layers_to_transform === null ? null : new Set([config.layers_to_transform].flat());
  const targets: string[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!name) continue;
    const wanted = spec === 'all-linear' ? isAdaptable(m) && !isOutputHead(name) : matchesModules(name, spec);
    if (!wanted) continue;
    if (config.exclude_modules && matchesModules(name, config.exclude_modules)) continue;
    if (layers) {
      const idx = LAYER_INDEX.exec(`.${name}.`);
      if (!idx || !layers.has(Number(idx[1]))) continue;
    }
    if (!isAdaptable(m)) throw new Error(`lora: target "${name}" is a ${m.constructor.name}; only Linear, Conv1D and layers exposing their weight (4-bit linear) can be adapted`);
    targets.push(name);
  }
  if (targets.length === 0) {
    throw new Error(`lora: target_modules ${JSON.stringify(spec)} matched no module of the model`);
  }
  return targets;
}
