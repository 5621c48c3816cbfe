import { PeftConfigError, expectType, is, rejectUnknownKeys } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, takeForeignFields, withForeignFields } from '../peft/foreign-fields.js';

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

export const LORA_DEFAULTS: LoraConfig = {
  r: 8,
  lora_alpha: 8,
  lora_dropout: 0,
  target_modules: null,
  exclude_modules: null,
  layers_to_transform: null,
  bias: 'none',
  use_rslora: false,
  use_dora: false,
  init_lora_weights: true,
  modules_to_save: null,
  fan_in_fan_out: false,
  rank_pattern: {},
  alpha_pattern: {},
  task_type: 'CAUSAL_LM',
  base_model_name_or_path: null,
  inference_mode: false,
};

const WHERE = 'lora config';

/** Validates user or adapter_config.json options and fills PEFT's defaults. */
export function parseLoraConfig(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): LoraConfig {
  const known = [...Object.keys(LORA_DEFAULTS), 'peft_type'];
  // A file another program wrote may carry PEFT's fields at neutral values; a user's config may not.
  const foreign = opts.fromPeftFile ? takeForeignFields(raw, known, WHERE) : (rejectUnknownKeys(raw, known, WHERE), {});
  if (raw.peft_type !== undefined && raw.peft_type !== 'LORA') throw new PeftConfigError(WHERE, `peft_type: expected "LORA", got ${JSON.stringify(raw.peft_type)}`);
  expectType(raw, 'r', is.positiveInt, 'a positive integer', WHERE);
  expectType(raw, 'lora_alpha', is.number, 'a number', WHERE);
  expectType(raw, 'lora_dropout', (v) => is.number(v) && (v as number) >= 0 && (v as number) < 1, 'a number in [0, 1)', WHERE);
  expectType(raw, 'target_modules', (v) => is.string(v) || is.stringList(v), 'a list of module names, a regex or "all-linear"', WHERE);
  expectType(raw, 'exclude_modules', (v) => is.string(v) || is.stringList(v), 'a list of module names or a regex', WHERE);
  expectType(raw, 'layers_to_transform', (v) => is.int(v) || (Array.isArray(v) && v.every(is.int)), 'a layer index or a list of them', WHERE);
  expectType(raw, 'bias', is.oneOf('none', 'all', 'lora_only'), 'one of none|all|lora_only', WHERE);
  expectType(raw, 'use_rslora', is.bool, 'true or false', WHERE);
  expectType(raw, 'use_dora', is.bool, 'true or false', WHERE);
  expectType(raw, 'init_lora_weights', (v) => is.bool(v) || v === 'gaussian' || v === 'pissa' || /^pissa_niter_\d+$/.test(String(v)), 'true, false, "gaussian", "pissa" or "pissa_niter_N"', WHERE);
  expectType(raw, 'modules_to_save', is.stringList, 'a list of module names', WHERE);
  expectType(raw, 'fan_in_fan_out', is.bool, 'true or false', WHERE);
  const config = { ...LORA_DEFAULTS, ...Object.fromEntries(Object.entries(raw).filter(([k, v]) => k in LORA_DEFAULTS && v !== null && v !== undefined)) } as LoraConfig;
  if (raw.target_modules === null) config.target_modules = null;
  return Object.keys(foreign).length ? { ...config, foreign } : config;
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
