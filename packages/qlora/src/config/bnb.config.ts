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
import { type Check, type ConfigProblem, ConfigFieldError, type FieldTable, type ForeignFieldRule, checkFields, checks, checksOf, defaultsOf, optionLine, rule, withDefaults } from '@tunekit/core';
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
  /** Fields a newer transformers wrote at their off values, written back by `toBnbConfigDict`. */
  foreign?: Readonly<Record<string, unknown>>;
}


/** A BitsAndBytesConfig TuneKit cannot use; each problem carries its key path. */
export class BnbConfigError extends ConfigFieldError {
  override readonly name = 'BnbConfigError';

  constructor(where: string, problems: readonly ConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ path: [], detail: problems }] : problems;
    super(where, list, list.map((p) => optionLine(where, p)).join('\n'));
  }
}

const bnbError = (where: string, key: string | null, detail: string): BnbConfigError => new BnbConfigError(where, [{ path: key === null ? [] : [key], detail }]);
/** transformers accepts None here and substitutes the default. */
const nullable = checks.nullable;

const FIELDS: FieldTable<Omit<BnbConfig, 'foreign'>> = {
  load_in_4bit: { check: checks.bool, default: false },
  load_in_8bit: { check: checks.bool, default: false },
  llm_int8_threshold: { check: checks.range({ min: 0 }, 'a finite number >= 0'), default: 6.0 },
  llm_int8_skip_modules: { check: nullable(rule((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), 'a list of module names')), default: null },
  llm_int8_enable_fp32_cpu_offload: { check: checks.bool, default: false },
  llm_int8_has_fp16_weight: { check: checks.bool, default: false },
  bnb_4bit_quant_type: { check: checks.oneOf(['nf4', 'fp4'], '"nf4" or "fp4"'), default: 'fp4' },
  bnb_4bit_use_double_quant: { check: checks.bool, default: false },
  bnb_4bit_compute_dtype: { check: nullable(checks.oneOf(['float32', 'float16', 'bfloat16'], '"float32", "float16" or "bfloat16"')), default: 'float32' },
  bnb_4bit_quant_storage: {
    // transformers also lists float16, float32, int8, float64 and bfloat16 (bytes reinterpreted for FSDP).
    check: nullable(checks.oneOf(['uint8'], '"uint8" (TuneKit packs 4-bit codes two per byte and cannot reinterpret them as another storage type)')),
    default: 'uint8',
  },
};

/** `BitsAndBytesConfig()`'s defaults (None for compute dtype and storage become float32 and uint8). */
export const BNB_CONFIG_DEFAULTS: Readonly<BnbConfig> = defaultsOf(FIELDS);

/** Keys `to_dict()` writes beside the options: the method tag and the private copies of the two flags. */
const SERIALIZED_CHECKS: Readonly<Record<string, Check>> = {
  quant_method: checks.oneOf(['bitsandbytes'], '"bitsandbytes"'),
  _load_in_4bit: checks.bool,
  _load_in_8bit: checks.bool,
};

/**
 * A config.json written by a newer transformers may carry BitsAndBytesConfig fields this TuneKit
 * does not know: each is kept while off and refused by name when set (the core kit's rule).
 */
const TRANSFORMERS_FOREIGN_FIELDS: ForeignFieldRule = { library: 'transformers', fields: {} };

/**
 * Validates a BitsAndBytesConfig dict: user options (unknown keys are errors, with a did-you-mean)
 * or, with `fromFile`, a config.json `quantization_config` (see TRANSFORMERS_FOREIGN_FIELDS).
 */
export function parseBnbConfig(raw: Record<string, unknown>, where = 'quantization_config', opts: { fromFile?: boolean } = {}): BnbConfig {
  const { problems, foreign } = checkFields(raw, { ...SERIALIZED_CHECKS, ...checksOf(FIELDS) }, { checkNull: true, foreign: opts.fromFile ? TRANSFORMERS_FOREIGN_FIELDS : undefined });
  if (problems.length) throw new BnbConfigError(where, problems);
  const config: BnbConfig = withDefaults({ ...BNB_CONFIG_DEFAULTS }, raw);
  if (config.llm_int8_skip_modules) config.llm_int8_skip_modules = [...config.llm_int8_skip_modules];
  // to_dict() stores each flag twice (`_load_in_8bit` is the attribute behind the property).
  for (const flag of ['load_in_4bit', 'load_in_8bit'] as const) {
    const hidden = raw[`_${flag}`] as boolean | undefined;
    if (hidden === undefined) continue;
    if (raw[flag] === undefined) config[flag] = hidden;
    else if (hidden !== raw[flag]) throw bnbError(where, null, `_${flag} (${hidden}) contradicts ${flag} (${String(raw[flag])})`);
  }
  if (config.load_in_4bit && config.load_in_8bit) {
    throw bnbError(where, null, 'load_in_4bit and load_in_8bit are both true, but only one can be used at the same time');
  }
  if (!config.load_in_4bit && !config.load_in_8bit) {
    throw bnbError(where, null, 'set load_in_4bit (NF4/FP4, QLoRA) or load_in_8bit (LLM.int8) to true');
  }
  if (config.load_in_8bit && config.llm_int8_has_fp16_weight) {
    throw bnbError(
      where,
      'llm_int8_has_fp16_weight',
      'true keeps trainable 16-bit main weights, which TuneKit does not implement; Linear8bit holds frozen int8 weights (train adapters on them with LoRA)',
    );
  }
  return Object.keys(foreign).length ? { ...config, foreign } : config;
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
    ...c.foreign,
  };
}

/** One line for logs and plans: `4-bit nf4, double quant, compute float32, skip lm_head` or `8-bit LLM.int8, threshold 6, skip lm_head`. */
export function describeBnbConfig(c: BnbConfig): string {
  const skip = `skip ${(c.llm_int8_skip_modules ?? ['lm_head']).join(', ') || 'nothing'}`;
  if (c.load_in_8bit) return `8-bit LLM.int8, threshold ${c.llm_int8_threshold}, ${skip}`;
  return [`4-bit ${c.bnb_4bit_quant_type}`, ...(c.bnb_4bit_use_double_quant ? ['double quant'] : []), `compute ${c.bnb_4bit_compute_dtype}`, skip].join(', ');
}
