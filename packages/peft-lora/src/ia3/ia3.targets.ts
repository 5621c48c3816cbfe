import type { Module, Tensor } from '@tunekit/core';
import { isWeightedBase } from '../peft/base-weight.js';
import { peftError } from '../peft/config-validation.js';
import { isOutputHead, matchesModules } from '../peft/module-match.js';
import { type Ia3Config, type ModuleSpec, checkFeedforwardSubset } from './ia3.config.js';

/** Default targets per architecture, as PEFT's TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING has them. */
export const DEFAULT_IA3_TARGETS: Readonly<Record<string, readonly string[]>> = {
  llama: ['k_proj', 'v_proj', 'down_proj'],
  mistral: ['k_proj', 'v_proj', 'down_proj'],
  qwen2: ['q_proj', 'v_proj', 'down_proj'],
  qwen3: ['q_proj', 'v_proj', 'down_proj'],
  gpt2: ['c_attn', 'mlp.c_proj'],
};

/** Which of those scale their input, as TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING has them. */
export const DEFAULT_IA3_FEEDFORWARD: Readonly<Record<string, readonly string[]>> = {
  llama: ['down_proj'],
  mistral: ['down_proj'],
  qwen2: ['down_proj'],
  qwen3: ['down_proj'],
  gpt2: ['mlp.c_proj'],
};

/** A layer (IA)³ can wrap: any module computing y = f(x) from [.., in] to [.., out] (Linear, Conv1D, 4-bit linear, ...). */
export interface Ia3Base extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(x: Tensor): Tensor;
}

export function isIa3Base(m: Module): m is Ia3Base {
  const c = m as unknown as Partial<Record<'inFeatures' | 'outFeatures', unknown>>;
  return typeof c.inFeatures === 'number' && typeof c.outFeatures === 'number';
}

/**
 * Fills target_modules and feedforward_modules from the architecture's defaults, as PEFT does
 * before it injects (so the saved config names what was adapted). Defaulted feed-forward names
 * are kept only where they are targets, so the saved config passes PEFT's subset check.
 */
export function resolveIa3Config(config: Ia3Config, modelType: string | undefined): Ia3Config {
  const type = modelType ?? 'unknown';
  const targets: ModuleSpec | null = config.target_modules ?? (DEFAULT_IA3_TARGETS[type] ? [...DEFAULT_IA3_TARGETS[type]] : null);
  if (targets === null) throw peftError('ia3 config', 'target_modules', `not set, and there is no default for model type "${type}"`);
  let feedforward: ModuleSpec | null = config.feedforward_modules;
  if (feedforward === null) {
    const defaults = DEFAULT_IA3_FEEDFORWARD[type];
    if (!defaults) throw peftError('ia3 config', 'feedforward_modules', `not set, and there is no default for model type "${type}"`);
    feedforward = Array.isArray(targets) ? defaults.filter((m) => targets.includes(m)) : [...defaults];
  }
  const resolved = { ...config, target_modules: targets, feedforward_modules: feedforward };
  checkFeedforwardSubset(resolved);
  return resolved;
}

/** PEFT's feed-forward rule: a regex fully matches the path, or the path ends with a listed name. */
export function isFeedforward(name: string, spec: ModuleSpec): boolean {
  if (typeof spec === 'string') return new RegExp(`^(?:${spec})$`).test(name);
  return spec.some((m) => name.endsWith(m));
}

/** The paths of the modules a resolved config adapts in `model`, in module order. */
export function findIa3Targets(model: Module, config: Ia3Config): string[] {
  const spec = config.target_modules!;
  const targets: string[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!name) continue;
    const wanted = spec === 'all-linear' ? isWeightedBase(m) && !isOutputHead(name) : matchesModules(name, spec);
    if (!wanted || (config.exclude_modules && matchesModules(name, config.exclude_modules))) continue;
    if (!isIa3Base(m)) throw new Error(`ia3: target "${name}" is a ${m.constructor.name}; (IA)³ wraps layers with inFeatures and outFeatures (Linear, Conv1D, 4-bit linear)`);
    targets.push(name);
  }
  if (targets.length === 0) throw new Error(`ia3: target_modules ${JSON.stringify(spec)} matched no module of the model`);
  return targets;
}
