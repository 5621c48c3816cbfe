import type { ConfigFields } from './config-fields.js';

/** How RoPE frequencies are rescaled for long context (transformers' `ROPE_INIT_FUNCTIONS`). */
export type RopeScaling =
  | { readonly type: 'default' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

export type RopeScalingType = RopeScaling['type'];

export interface RopeConfig {
  readonly theta: number;
  readonly scaling: RopeScaling;
}

/** One parser per supported `rope_type`; anything else (yarn, dynamic, longrope, ...) is refused. */
const ROPE_SCALING_PARSERS: { readonly [K in RopeScalingType]: (f: ConfigFields) => Extract<RopeScaling, { type: K }> } = {
  default: () => ({ type: 'default' }),
  linear: (f) => ({ type: 'linear', factor: f.positive('factor') }),
  llama3: (f) => {
    const scaling = {
      type: 'llama3' as const,
      factor: f.positive('factor'),
      lowFreqFactor: f.positive('low_freq_factor'),
      highFreqFactor: f.positive('high_freq_factor'),
      originalMaxPositionEmbeddings: f.int('original_max_position_embeddings'),
    };
    // transformers divides by (high - low) when smoothing: equal factors would make it 0/0.
    if (scaling.highFreqFactor <= scaling.lowFreqFactor) f.fail('high_freq_factor', 'must be greater than low_freq_factor');
    return scaling;
  },
};

const isRopeScalingType = (t: string): t is RopeScalingType => Object.hasOwn(ROPE_SCALING_PARSERS, t);

/** The scaling an object names by `rope_type` (transformers 5, and 4.x's `rope_scaling`) or by `type` (older configs). */
function parseScaling(scaling: ConfigFields): RopeScaling {
  const key = scaling.has('rope_type') ? 'rope_type' : 'type';
  const type = scaling.string(key, 'default');
  if (!isRopeScalingType(type)) {
    return scaling.fail(key, `RoPE scaling "${type}" is not supported (supported: ${Object.keys(ROPE_SCALING_PARSERS).join(', ')})`);
  }
  return ROPE_SCALING_PARSERS[type](scaling);
}

/** One flat transformers 5 `rope_parameters` object: `rope_theta` and the scaling fields together. */
export function parseRopeParameters(params: ConfigFields, defaultTheta: number): RopeConfig {
  return { theta: params.positive('rope_theta', defaultTheta), scaling: parseScaling(params) };
}

/**
 * Whether a `rope_parameters` object is keyed by layer type (Gemma 3:
 * `{ full_attention: {...}, sliding_attention: {...} }`) rather than flat: every value is an object.
 */
export function isRopeParametersPerLayerType(params: ConfigFields): boolean {
  const values = Object.values(params.raw);
  return values.length > 0 && values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
}

/**
 * Reads `rope_parameters` (transformers 5, flat) or else `rope_theta` and `rope_scaling`
 * (transformers 4.x, which most Hub checkpoints still have). A `rope_parameters` keyed by layer type
 * is refused here: a model type with per-layer-type RoPE reads each entry with `parseRopeParameters`.
 */
export function parseRope(f: ConfigFields, defaultTheta: number): RopeConfig {
  const params = f.object('rope_parameters');
  if (params && isRopeParametersPerLayerType(params)) {
    return params.fail(null, `RoPE parameters per layer type (${Object.keys(params.raw).join(', ')}) are not supported for this model type`);
  }
  if (params) return parseRopeParameters(params, defaultTheta);
  const scaling = f.object('rope_scaling');
  return { theta: f.positive('rope_theta', defaultTheta), scaling: scaling ? parseScaling(scaling) : { type: 'default' } };
}
