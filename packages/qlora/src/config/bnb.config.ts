/**
 * transformers' `BitsAndBytesConfig` (utils/quantization_config.py) for both bitsandbytes modes:
 * `load_in_4bit` (NF4/FP4, Linear4bit) and `load_in_8bit` (LLM.int8, Linear8bit). Parses what a
 * user writes or what a checkpoint's `quantization_config` holds, with transformers' names and
 * defaults; `toBnbConfigDict` writes `BitsAndBytesConfig.to_dict()` back.
 *
 * Stricter than transformers where it would silently ignore something: unknown keys are errors
 * (with a did-you-mean), one of the two modes must be on, and options TuneKit cannot honour
 * (16-bit main weights for LLM.int8, non-byte 4-bit storage) are refused with the reason.
 */
import { didYouMean } from '@tunekit/core';
import type { QuantType4Bit } from '../quant/code-tables.js';

export type BnbComputeDtype = 'float32' | 'float16' | 'bfloat16';

export interface BnbConfig {
  load_in_4bit: boolean;
  load_in_8bit: boolean;
  /** LLM.int8 outlier threshold on activations; recorded, see Linear8bit for what it changes here. */
  llm_int8_threshold: number;
  /** Modules kept in full precision (both modes); null means transformers' default (the LM head). */
  llm_int8_skip_modules: string[] | null;
  llm_int8_enable_fp32_cpu_offload: boolean;
  llm_int8_has_fp16_weight: boolean;
  bnb_4bit_quant_type: QuantType4Bit;
  bnb_4bit_use_double_quant: boolean;
  bnb_4bit_compute_dtype: BnbComputeDtype;
  bnb_4bit_quant_storage: 'uint8';
}

/** `BitsAndBytesConfig()`'s defaults (None for compute dtype and storage become float32 and uint8). */
export const BNB_CONFIG_DEFAULTS: Readonly<BnbConfig> = {
  load_in_4bit: false,
  load_in_8bit: false,
  llm_int8_threshold: 6.0,
  llm_int8_skip_modules: null,
  llm_int8_enable_fp32_cpu_offload: false,
  llm_int8_has_fp16_weight: false,
  bnb_4bit_quant_type: 'fp4',
  bnb_4bit_use_double_quant: false,
  bnb_4bit_compute_dtype: 'float32',
  bnb_4bit_quant_storage: 'uint8',
};

export class BnbConfigError extends Error {
  constructor(where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'BnbConfigError';
  }
}

interface Field {
  check: (v: unknown) => boolean;
  expected: string;
  /** transformers accepts None here and substitutes the default. */
  nullable?: boolean;
}

const bool: Field = { check: (v) => typeof v === 'boolean', expected: 'true or false' };
const oneOf = (...values: string[]): Field['check'] => (v) => values.includes(v as string);

const FIELDS: { [K in keyof BnbConfig]: Field } = {
  load_in_4bit: bool,
  load_in_8bit: bool,
  llm_int8_threshold: { check: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, expected: 'a finite number >= 0' },
  llm_int8_skip_modules: { check: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), expected: 'a list of module names', nullable: true },
  llm_int8_enable_fp32_cpu_offload: bool,
  llm_int8_has_fp16_weight: bool,
  bnb_4bit_quant_type: { check: oneOf('nf4', 'fp4'), expected: '"nf4" or "fp4"' },
  bnb_4bit_use_double_quant: bool,
  bnb_4bit_compute_dtype: { check: oneOf('float32', 'float16', 'bfloat16'), expected: '"float32", "float16" or "bfloat16"', nullable: true },
  bnb_4bit_quant_storage: {
    check: oneOf('uint8'),
    // transformers also lists float16, float32, int8, float64 and bfloat16 (bytes reinterpreted for FSDP).
    expected: '"uint8" (TuneKit packs 4-bit codes two per byte and cannot reinterpret them as another storage type)',
    nullable: true,
  },
};

/** Keys `to_dict()` writes beside the options: the method tag and the private copies of the two flags. */
const SERIALIZED_KEYS = ['quant_method', '_load_in_4bit', '_load_in_8bit'] as const;
const KNOWN = [...Object.keys(FIELDS), ...SERIALIZED_KEYS];

/** Validates a BitsAndBytesConfig dict (user options or a config.json `quantization_config`). */
export function parseBnbConfig(raw: Record<string, unknown>, where = 'quantization_config'): BnbConfig {
  for (const key of Object.keys(raw)) {
    if (!KNOWN.includes(key)) throw new BnbConfigError(where, `unknown option "${key}"${didYouMean(key, KNOWN)}`);
  }
  if (raw.quant_method !== undefined && raw.quant_method !== 'bitsandbytes') {
    throw new BnbConfigError(where, `quant_method: expected "bitsandbytes", got ${JSON.stringify(raw.quant_method)}`);
  }
  const config: BnbConfig = { ...BNB_CONFIG_DEFAULTS };
  for (const [key, field] of Object.entries(FIELDS) as [keyof BnbConfig, Field][]) {
    const v = raw[key];
    if (v === undefined || (v === null && field.nullable)) continue;
    if (!field.check(v)) throw new BnbConfigError(where, `${key}: expected ${field.expected}, got ${JSON.stringify(v)}`);
    (config as unknown as Record<string, unknown>)[key] = Array.isArray(v) ? [...v] : v;
  }
  // to_dict() stores each flag twice (`_load_in_8bit` is the attribute behind the property).
  for (const flag of ['load_in_4bit', 'load_in_8bit'] as const) {
    const hidden = raw[`_${flag}`];
    if (hidden === undefined) continue;
    if (typeof hidden !== 'boolean') throw new BnbConfigError(where, `_${flag}: expected true or false, got ${JSON.stringify(hidden)}`);
    if (raw[flag] === undefined) config[flag] = hidden;
    else if (hidden !== raw[flag]) throw new BnbConfigError(where, `_${flag} (${hidden}) contradicts ${flag} (${String(raw[flag])})`);
  }
  if (config.load_in_4bit && config.load_in_8bit) {
    throw new BnbConfigError(where, 'load_in_4bit and load_in_8bit are both true, but only one can be used at the same time');
  }
  if (!config.load_in_4bit && !config.load_in_8bit) {
    throw new BnbConfigError(where, 'set load_in_4bit (NF4/FP4, QLoRA) or load_in_8bit (LLM.int8) to true');
  }
  if (config.load_in_8bit && config.llm_int8_has_fp16_weight) {
    throw new BnbConfigError(
      where,
      'llm_int8_has_fp16_weight: true keeps trainable 16-bit main weights, which TuneKit does not implement; Linear8bit holds frozen int8 weights (train adapters on them with LoRA)',
    );
  }
  return config;
}

/** transformers' `BitsAndBytesConfig.to_dict()`, key order included (what config.json carries). */
export function toBnbConfigDict(c: BnbConfig): Record<string, unknown> {
  return {
    quant_method: 'bitsandbytes',
    _load_in_8bit: c.load_in_8bit,
    _load_in_4bit: c.load_in_4bit,
    llm_int8_threshold: c.llm_int8_threshold,
    llm_int8_skip_modules: c.llm_int8_skip_modules ? [...c.llm_int8_skip_modules] : null,
    llm_int8_enable_fp32_cpu_offload: c.llm_int8_enable_fp32_cpu_offload,
    llm_int8_has_fp16_weight: c.llm_int8_has_fp16_weight,
    bnb_4bit_quant_type: c.bnb_4bit_quant_type,
    bnb_4bit_use_double_quant: c.bnb_4bit_use_double_quant,
    bnb_4bit_compute_dtype: c.bnb_4bit_compute_dtype,
    bnb_4bit_quant_storage: c.bnb_4bit_quant_storage,
    load_in_4bit: c.load_in_4bit,
    load_in_8bit: c.load_in_8bit,
  };
}

/** One line for logs and plans: `4-bit nf4, double quant, compute float32, skip lm_head` or `8-bit LLM.int8, threshold 6, skip lm_head`. */
export function describeBnbConfig(c: BnbConfig): string {
  const skip = `skip ${(c.llm_int8_skip_modules ?? ['lm_head']).join(', ') || 'nothing'}`;
  if (c.load_in_8bit) return `8-bit LLM.int8, threshold ${c.llm_int8_threshold}, ${skip}`;
  return [`4-bit ${c.bnb_4bit_quant_type}`, ...(c.bnb_4bit_use_double_quant ? ['double quant'] : []), `compute ${c.bnb_4bit_compute_dtype}`, skip].join(', ');
}
