import { type FieldTable, checks, defaultsOf, rule } from '@tunekit/core';
import { peftError, peftTypeCheck, readPeftOptions } from '../peft/config-validation.js';

/** Where adapters go: Houlsby et al. 2019 (after attention and after the MLP) or Pfeiffer et al. 2021 (after the MLP only). */
export type AdapterPlacement = 'houlsby' | 'pfeiffer';
export type AdapterNonLinearity = 'relu' | 'gelu' | 'silu';

/** Bottleneck adapter options (method `adapter`), named after AdapterHub's where one exists. */
export interface BottleneckConfig {
  config: AdapterPlacement;
  /** Bottleneck width = floor(hidden / reduction_factor); give this or bottleneck_size, not both. */
  reduction_factor: number | null;
  bottleneck_size: number | null;
  non_linearity: AdapterNonLinearity;
  /** A LayerNorm (learned scale and shift) before the down projection. */
  layer_norm: boolean;
  /** out = h + up(act(down(norm(h)))); without it the adapter's output replaces h (and a fresh adapter outputs zeros). */
  residual: boolean;
  /** Layer indices to adapt (all when null). */
  layers_to_transform: number[] | null;
  task_type: string;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
}

export const DEFAULT_REDUCTION_FACTOR = 16;
const NON_LINEARITIES: readonly AdapterNonLinearity[] = ['relu', 'gelu', 'silu'];

/** The options: check and default. */
const BOTTLENECK_FIELDS: FieldTable<BottleneckConfig> = {
  config: { check: checks.oneOf(['houlsby', 'pfeiffer']), default: 'pfeiffer' },
  reduction_factor: { check: checks.range({ above: 0 }, 'a positive number'), default: null },
  bottleneck_size: { check: checks.positiveInt, default: null },
  non_linearity: { check: checks.oneOf(NON_LINEARITIES, NON_LINEARITIES.join('|')), default: 'relu' },
  layer_norm: { check: checks.bool, default: false },
  residual: { check: checks.bool, default: true },
  layers_to_transform: { check: rule((v) => Array.isArray(v) && v.every((i) => Number.isInteger(i) && i >= 0), 'a list of layer indices'), default: null },
  task_type: { check: checks.string, default: 'CAUSAL_LM' },
  base_model_name_or_path: { check: checks.string, default: null },
  inference_mode: { check: checks.bool, default: false },
};

export const BOTTLENECK_DEFAULTS: BottleneckConfig = defaultsOf(BOTTLENECK_FIELDS);

/** The peft_type our adapter_config.json carries (see FORMAT.md). */
export const BOTTLENECK_PEFT_TYPE = 'BOTTLENECK_ADAPTER';
/** Keys only the saved file has (see adapter.io.ts). */
const FILE_ONLY_KEYS = ['peft_type', 'format_version', 'library', 'tunekit_version'];

const WHERE = 'adapter config';

/** Validates user or adapter_config.json options and fills the defaults (reduction_factor 16 when neither size is given). */
export function parseBottleneckConfig(raw: Record<string, unknown>, opts: { fromFile?: boolean } = {}): BottleneckConfig {
  const { config } = readPeftOptions(raw, BOTTLENECK_FIELDS, WHERE, {
    alsoKnown: opts.fromFile ? FILE_ONLY_KEYS.filter((k) => k !== 'peft_type') : [],
    extraChecks: { peft_type: peftTypeCheck(BOTTLENECK_PEFT_TYPE) },
  });
  const given = (k: string) => raw[k] !== undefined && raw[k] !== null;
  if (given('reduction_factor') && given('bottleneck_size')) {
    throw peftError(WHERE, 'bottleneck_size', `give reduction_factor or bottleneck_size, not both (got ${JSON.stringify(raw.reduction_factor)} and ${JSON.stringify(raw.bottleneck_size)})`);
  }
  if (config.bottleneck_size === null) config.reduction_factor ??= DEFAULT_REDUCTION_FACTOR;
  return config;
}

/** The bottleneck width for a model of hidden size `hidden`, with an error naming the option that makes it empty. */
export function bottleneckWidth(config: BottleneckConfig, hidden: number): number {
  if (config.bottleneck_size !== null) return config.bottleneck_size;
  const width = Math.floor(hidden / config.reduction_factor!);
  if (width < 1) throw peftError(WHERE, 'reduction_factor', `${config.reduction_factor} leaves no bottleneck for hidden size ${hidden} (at most ${hidden})`);
  return width;
}
