import { type Check, type FieldTable, checks, defaultsOf, rule } from '@tunekit/core';
import { peftTypeCheck, readPeftOptions, withForeign } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, withForeignFields } from '../peft/foreign-fields.js';

export type LoraInit = boolean | 'gaussian' | 'pissa' | `pissa_niter_${number}`;
export type LoraBias = 'none' | 'all' | 'lora_only';

/** LoRA options with PEFT's names and defaults (peft.LoraConfig). */
export interface LoraConfig extends ForeignFieldsCarrier {
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  /** Module names (matched as a suffix on a dot boundary), one regex (full match), 'all-linear', or null for the architecture's default. */
  target_modules: string[] | string | null;
  exclude_modules: string[] | string | null;
  /** Layer indices to adapt (all when null). */
  layers_to_transform: number[] | number | null;
  bias: LoraBias;
  use_rslora: boolean;
  use_dora: boolean;
  init_lora_weights: LoraInit;
  /** Modules trained in full and saved beside the adapter (e.g. a new classification head). */
  modules_to_save: string[] | null;
  /** Set for layers whose weight is stored [in, out] (GPT-2's Conv1D); detected automatically. */
  fan_in_fan_out: boolean;
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  task_type: string;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
}

const moduleNames = (expected: string): Check => rule((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')), expected);
const bool = checks.bool;

/** PEFT's LoraConfig fields TuneKit implements: check and default. */
const LORA_FIELDS: FieldTable<Omit<LoraConfig, 'foreign'>> = {
  r: { check: checks.positiveInt, default: 8 },
  lora_alpha: { check: rule((v) => typeof v === 'number' && Number.isFinite(v), 'a number'), default: 8 },
  lora_dropout: { check: checks.range({ min: 0, below: 1 }, 'a number in [0, 1)'), default: 0 },
  target_modules: { check: moduleNames('a list of module names, a regex or "all-linear"'), default: null },
  exclude_modules: { check: moduleNames('a list of module names or a regex'), default: null },
  layers_to_transform: { check: rule((v) => Number.isInteger(v) || (Array.isArray(v) && v.every((i) => Number.isInteger(i))), 'a layer index or a list of them'), default: null },
  bias: { check: checks.oneOf(['none', 'all', 'lora_only']), default: 'none' },
  use_rslora: { check: bool, default: false },
  use_dora: { check: bool, default: false },
  init_lora_weights: {
    check: rule((v) => typeof v === 'boolean' || v === 'gaussian' || v === 'pissa' || /^pissa_niter_\d+$/.test(String(v)), 'true, false, "gaussian", "pissa" or "pissa_niter_N"'),
    default: true,
  },
  modules_to_save: { check: rule((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of module names'), default: null },
  fan_in_fan_out: { check: bool, default: false },
  rank_pattern: { check: checks.mapping, default: {} },
  alpha_pattern: { check: checks.mapping, default: {} },
  task_type: { check: checks.string, default: 'CAUSAL_LM' },
  base_model_name_or_path: { check: checks.string, default: null },
  inference_mode: { check: bool, default: false },
};

export const LORA_DEFAULTS: LoraConfig = defaultsOf(LORA_FIELDS);

const WHERE = 'lora config';

/** Validates user or adapter_config.json options and fills PEFT's defaults. */
export function parseLoraConfig(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): LoraConfig {
  // A file another program wrote may carry PEFT's fields at neutral values; a user's config may not.
  const { config, foreign } = readPeftOptions(raw, LORA_FIELDS, WHERE, { ...opts, extraChecks: { peft_type: peftTypeCheck('LORA') } });
  return withForeign(config, foreign);
}

/** `lora_alpha / r`, or `lora_alpha / √r` with rsLoRA (Kalajdzievski 2023), per module patterns applied. */
export function loraScaling(config: LoraConfig, r: number, alpha: number): number {
  return config.use_rslora ? alpha / Math.sqrt(r) : alpha / r;
}

/** adapter_config.json as PEFT writes it (every key PEFT's loader expects, and the foreign fields a loaded file carried). */
export function toPeftJson(config: LoraConfig): Record<string, unknown> {
  return withForeignFields({
    alpha_pattern: config.alpha_pattern,
    auto_mapping: null,
    base_model_name_or_path: config.base_model_name_or_path,
    bias: config.bias,
    exclude_modules: config.exclude_modules,
    fan_in_fan_out: config.fan_in_fan_out,
    inference_mode: true,
    init_lora_weights: config.init_lora_weights,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: config.layers_to_transform,
    loftq_config: {},
    lora_alpha: config.lora_alpha,
    lora_bias: false,
    lora_dropout: config.lora_dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: config.modules_to_save,
    peft_type: 'LORA',
    r: config.r,
    rank_pattern: config.rank_pattern,
    revision: null,
    target_modules: config.target_modules,
    task_type: config.task_type,
    use_dora: config.use_dora,
    use_rslora: config.use_rslora,
  }, config);
}
