import { readActivation } from './activation-field.js';
import type { ConfigFields } from './config-fields.js';
import type { DecoderTraits } from './decoder-config.js';
import { type LayerType, readLayerTypes } from './layer-types.js';
import type { ModelConfig } from './model-config.js';
import { type RopeConfig, isRopeParametersPerLayerType, parseRope, parseRopeParameters } from './rope-scaling.js';

/**
 * A field whose config-class default is not None: absent takes the default, an explicit null turns
 * the feature off (what transformers does with `sliding_window: null`, `final_logit_softcapping: null`).
 */
function orNull(f: ConfigFields, key: string, fallback: number | null, read: (key: string) => number): number | null {
  if (f.raw[key] === null) return null;
  return f.has(key) ? read(key) : fallback;
}

function refuseBidirectional(f: ConfigFields): void {
  if (f.bool('use_bidirectional_attention', false)) f.fail('use_bidirectional_attention', 'bidirectional attention is not supported (only causal)');
}

/**
 * transformers 5's GemmaMLP reads `hidden_act` (default gelu_pytorch_tanh); 4.x read
 * `hidden_activation` instead when set. A config where the two disagree computes differently
 * across versions, so it is refused rather than guessed.
 */
function gemmaActivation(f: ConfigFields): string {
  const act = readActivation(f, 'hidden_act', 'gelu_pytorch_tanh');
  if (f.has('hidden_activation') && f.string('hidden_activation') !== act) {
    f.fail('hidden_activation', `"${f.string('hidden_activation')}" differs from hidden_act "${act}" (transformers 4.x uses the first, 5.x the second)`);
  }
  return act;
}

/** Gemma 2/3's GELU: `hidden_activation`. */
const gemma2Activation = (f: ConfigFields) => readActivation(f, 'hidden_activation', 'gelu_pytorch_tanh');

/** Every model of the family: norms around 1 and embeddings times √hidden. */
const numerics = (f: ConfigFields, hidden: number, appliesTo: 'inputs' | 'tokens', softcap: ModelConfig['softcap']) => {
  refuseBidirectional(f);
  return { embedScale: { value: Math.sqrt(hidden), appliesTo, inStorageDtype: true }, softcap, normPlacement: 'pre' as const };
};

/** query_pre_attn_scalar^-0.5 replaces 1/√head_dim (Gemma 2/3). */
const queryPreAttnScale = (f: ConfigFields) => f.positive('query_pre_attn_scalar', 256) ** -0.5;

/**
 * Gemma 3's rotary bases: transformers 5 keys `rope_parameters` by layer type; 4.x has
 * `rope_theta` and `rope_scaling` for full layers and `rope_local_base_freq` (unscaled) for sliding ones.
 */
function gemma3Rope(f: ConfigFields): { rope: RopeConfig; slidingRope: RopeConfig } {
  const params = f.object('rope_parameters');
  if (params && isRopeParametersPerLayerType(params)) {
    const of = (type: LayerType, theta: number) => {
      const entry = params.object(type) ?? params.fail(type, 'is required (the other layer type has one)');
      // Without a partial-rotary rule, a factor other than 1 is refused by name.
      return parseRopeParameters(entry, theta);
    };
    return { rope: of('full_attention', 1_000_000), slidingRope: of('sliding_attention', 10_000) };
  }
  return { rope: parseRope(f, { defaultTheta: 1_000_000 }), slidingRope: { theta: f.positive('rope_local_base_freq', 10_000), scaling: { type: 'default' }, partialRotaryFactor: 1 } };
}

/** Every `sliding_window_pattern`-th layer is full (Gemma 3's 5:1), when `layer_types` is absent. */
function gemma3LayerTypes(f: ConfigFields, layers: number): LayerType[] {
  const pattern = f.int('sliding_window_pattern', f.int('_sliding_window_pattern', 6));
  return readLayerTypes(f, layers, (i) => ((i + 1) % pattern ? 'sliding_attention' : 'full_attention'));
}

const noBias = { attentionBias: (f: ConfigFields) => ({ qkv: f.bool('attention_bias', false), o: f.bool('attention_bias', false) }), mlpBias: () => false };

/** Gemma, Gemma 2 and Gemma 3 (text), each with its config class's defaults. */
export const GEMMA_TRAITS = {
  gemma: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 8192 },
    ...noBias,
    qkNorm: 'none',
    slidingWindow: () => null,
    hiddenAct: gemmaActivation,
    headDim: 256,
    tiedByDefault: true,
    gemma: (f, hidden) => numerics(f, hidden, 'inputs', { attention: null, final: null }),
  },
  gemma2: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 8192 },
    ...noBias,
    qkNorm: 'none',
    slidingWindow: (f) => orNull(f, 'sliding_window', 4096, (k) => f.int(k)),
    // Gemma2Attention: even layers slide, odd ones see everything.
    layerTypes: (f, layers) => readLayerTypes(f, layers, (i) => ((i + 1) % 2 ? 'sliding_attention' : 'full_attention')),
    hiddenAct: gemma2Activation,
    headDim: 256,
    tiedByDefault: true,
    attentionScale: queryPreAttnScale,
    gemma: (f, hidden) => ({
      ...numerics(f, hidden, 'inputs', {
        attention: orNull(f, 'attn_logit_softcapping', 50, (k) => f.positive(k)),
        final: orNull(f, 'final_logit_softcapping', 30, (k) => f.positive(k)),
      }),
      normPlacement: 'sandwich',
    }),
  },
  gemma3_text: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 1_000_000, maxPositionEmbeddings: 131072 },
    ...noBias,
    qkNorm: 'head',
    slidingWindow: (f) => orNull(f, 'sliding_window', 4096, (k) => f.int(k)),
    layerTypes: gemma3LayerTypes,
    hiddenAct: gemma2Activation,
    headDim: 256,
    tiedByDefault: true,
    attentionScale: queryPreAttnScale,
    rope: gemma3Rope,
    gemma: (f, hidden) => {
      // Gemma3Attention does not pass the cap to its attention function: transformers ignores it.
      if (f.has('attn_logit_softcapping')) f.fail('attn_logit_softcapping', 'is ignored by transformers for Gemma 3, so a set value is ambiguous; only null is supported');
      return {
        ...numerics(f, hidden, 'tokens', { attention: null, final: orNull(f, 'final_logit_softcapping', null, (k) => f.positive(k)) }),
        normPlacement: 'sandwich',
      };
    },
  },
} satisfies Record<string, DecoderTraits>;
