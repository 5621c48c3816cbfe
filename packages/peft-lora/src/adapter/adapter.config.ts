import { PeftConfigError, expectType, is, rejectUnknownKeys } from '../peft/config-validation.js';

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

export const BOTTLENECK_DEFAULTS: BottleneckConfig = {
  config: 'pfeiffer',
  reduction_factor: null,
  bottleneck_size: null,
  non_linearity: 'relu',
  layer_norm: false,
  residual: true,
  layers_to_transform: null,
  task_type: 'CAUSAL_LM',
  base_model_name_or_path: null,
  inference_mode: false,
};

/** The peft_type our adapter_config.json carries (see FORMAT.md). */
export const BOTTLENECK_PEFT_TYPE = 'BOTTLENECK_ADAPTER';
/** Keys only the saved file has (see adapter.io.ts). */
const FILE_ONLY_KEYS = ['peft_type', 'format_version', 'library', 'tunekit_version'];

const WHERE = 'adapter config';
const NON_LINEARITIES: readonly AdapterNonLinearity[] = ['relu', 'gelu', 'silu'];

/** Validates user or adapter_config.json options and fills the defaults (reduction_factor 16 when neither size is given). */
export function parseBottleneckConfig(raw: Record<string, unknown>, opts: { fromFile?: boolean } = {}): BottleneckConfig {
  rejectUnknownKeys(raw, Object.keys(BOTTLENECK_DEFAULTS), WHERE, opts.fromFile ? FILE_ONLY_KEYS : ['peft_type']);
  if (raw.peft_type !== undefined && raw.peft_type !== BOTTLENECK_PEFT_TYPE) {
    throw new PeftConfigError(WHERE, `peft_type: expected "${BOTTLENECK_PEFT_TYPE}", got ${JSON.stringify(raw.peft_type)}`);
  }
  expectType(raw, 'config', is.oneOf('houlsby', 'pfeiffer'), 'one of houlsby|pfeiffer', WHERE);
  expectType(raw, 'reduction_factor', (v) => is.number(v) && (v as number) > 0, 'a positive number', WHERE);
  expectType(raw, 'bottleneck_size', is.positiveInt, 'a positive integer', WHERE);
  expectType(raw, 'non_linearity', is.oneOf(...NON_LINEARITIES), NON_LINEARITIES.join('|'), WHERE);
  expectType(raw, 'layer_norm', is.bool, 'true or false', WHERE);
  expectType(raw, 'residual', is.bool, 'true or false', WHERE);
  expectType(raw, 'layers_to_transform', (v) => Array.isArray(v) && v.every((i) => Number.isInteger(i) && i >= 0), 'a list of layer indices', WHERE);
  expectType(raw, 'task_type', is.string, 'a string', WHERE);
  expectType(raw, 'base_model_name_or_path', is.string, 'a string', WHERE);
  expectType(raw, 'inference_mode', is.bool, 'true or false', WHERE);
  const given = (k: string) => raw[k] !== undefined && raw[k] !== null;
  if (given('reduction_factor') && given('bottleneck_size')) {
    throw new PeftConfigError(WHERE, `bottleneck_size: give reduction_factor or bottleneck_size, not both (got ${JSON.stringify(raw.reduction_factor)} and ${JSON.stringify(raw.bottleneck_size)})`);
  }
  const config = { ...BOTTLENECK_DEFAULTS, ...Object.fromEntries(Object.entries(raw).filter(([k, v]) => k in BOTTLENECK_DEFAULTS && v !== null && v !== undefined)) } as BottleneckConfig;
  if (config.bottleneck_size === null) config.reduction_factor ??= DEFAULT_REDUCTION_FACTOR;
  return config;
}

/** The bottleneck width for a model of hidden size `hidden`, with an error naming the option that makes it empty. */
export function bottleneckWidth(config: BottleneckConfig, hidden: number): number {
  if (config.bottleneck_size !== null) return config.bottleneck_size;
  const width = Math.floor(hidden / config.reduction_factor!);
  if (width < 1) throw new PeftConfigError(WHERE, `reduction_factor: ${config.reduction_factor} leaves no bottleneck for hidden size ${hidden} (at most ${hidden})`);
  return width;
}
