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

/** One `rope_parameters` object of transformers 5 (`rope_type`, `rope_theta` and the scaling fields). */
export function parseRopeParameters(params: ConfigFields, defaultTheta: number): RopeConfig {
  return parseScaling(params, params.positive('rope_theta', defaultTheta));
}

function parseScaling(scaling: ConfigFields | null, theta: number): RopeConfig {
  if (!scaling) return { theta, scaling: { type: 'default' } };
  const key = scaling.has('rope_type') ? 'rope_type' : 'type';
  const type = scaling.string(key, 'default');
  if (!isRopeScalingType(type)) {
    return scaling.fail(key, `RoPE scaling "${type}" is not supported (supported: ${Object.keys(ROPE_SCALING_PARSERS).join(', ')})`);
  }
  return { theta, scaling: ROPE_SCALING_PARSERS[type](scaling) };
}

/**
 * Reads `rope_theta` and `rope_scaling` (transformers 4.x), or `rope_parameters` (transformers 5,
 * which holds both). Old configs spell `rope_type` as `type`.
 */
export function parseRope(f: ConfigFields, defaultTheta: number): RopeConfig {
  const params = f.object('rope_parameters');
  return params ? parseRopeParameters(params, defaultTheta) : parseScaling(f.object('rope_scaling'), f.positive('rope_theta', defaultTheta));
}
