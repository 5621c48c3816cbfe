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
  /** The share of each head that rotates (its leading dims); the rest passes through. 1 for most models. */
  readonly partialRotaryFactor: number;
}

/** Where a model_type keeps its RoPE fields, when they differ from Llama's. */
export interface RopeFieldRules {
  readonly defaultTheta: number;
  /** The 4.x top-level name of the base (`rope_theta`; GPT-NeoX: `rotary_emb_base`). */
  readonly thetaKey?: string;
  /** Partial rotary: the 4.x top-level key and its default, or absent where the model rotates whole heads only. */
  readonly partial?: { readonly key: string; readonly fallback: number };
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

/**
 * `partial_rotary_factor` from `rope_parameters` (transformers 5), else from the top level (4.x, or
 * the model's own key such as GPT-NeoX's `rotary_pct`). A model without partial rotary must have 1.
 */
function partialRotaryFactor(params: ConfigFields | null, top: ConfigFields | null, partial: RopeFieldRules['partial']): number {
  const inParams = params?.has('partial_rotary_factor') || !top;
  const where = (inParams ? params : top)!;
  const key = !inParams && partial && top!.has(partial.key) ? partial.key : 'partial_rotary_factor';
  const factor = where.positive(key, partial?.fallback ?? 1);
  if (factor > 1) where.fail(key, `expected a factor in (0, 1], got ${factor}`);
  if (!partial && factor !== 1) where.fail(key, 'partial rotary embeddings are not supported for this model type (only 1.0)');
  return factor;
}

/** One flat transformers 5 `rope_parameters` object: `rope_theta`, the scaling fields and any partial rotary together. */
export function parseRopeParameters(params: ConfigFields, defaultTheta: number, partial?: RopeFieldRules['partial']): RopeConfig {
  return { theta: params.positive('rope_theta', defaultTheta), scaling: parseScaling(params), partialRotaryFactor: partialRotaryFactor(params, null, partial) };
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
export function parseRope(f: ConfigFields, rules: RopeFieldRules): RopeConfig {
  const params = f.object('rope_parameters');
  if (params && isRopeParametersPerLayerType(params)) {
    return params.fail(null, `RoPE parameters per layer type (${Object.keys(params.raw).join(', ')}) are not supported for this model type`);
  }
  const partial = partialRotaryFactor(params, f, rules.partial);
  if (params) return { ...parseRopeParameters(params, rules.defaultTheta, rules.partial), partialRotaryFactor: partial };
  const scaling = f.object('rope_scaling');
  return { theta: f.positive(rules.thetaKey ?? 'rope_theta', rules.defaultTheta), scaling: scaling ? parseScaling(scaling) : { type: 'default' }, partialRotaryFactor: partial };
}

/** How many leading dims of each head rotate: transformers' `int(head_dim * partial_rotary_factor)`. */
export const rotaryDims = (rope: RopeConfig, headDim: number): number => Math.floor(headDim * rope.partialRotaryFactor);
