import { readActivation } from './activation-field.js';
import type { ConfigFields } from './config-fields.js';
import type { LayerType } from './layer-types.js';
import type { HiddenScaling, ModelConfig, NormPlacement, QkNorm } from './model-config.js';
import { type MoeTraits, parseMoe } from './moe-config.js';
import type { ParsedFields } from './model-types.js';
import { type RopeConfig, type RopeFieldRules, parseRope, rotaryDims } from './rope-scaling.js';

/** Granite's multipliers are 1 everywhere else. */
export const UNSCALED: HiddenScaling = { residual: 1, logitsDivisor: 1 };

/** What one RoPE-decoder `model_type` adds to the shared fields (see `DECODER_TRAITS`); optional entries default to Llama's. */
export interface DecoderTraits {
  readonly defaults: { readonly rmsNormEps: number; readonly ropeTheta: number; readonly maxPositionEmbeddings: number };
  attentionBias(f: ConfigFields): ModelConfig['attentionBias'];
  mlpBias(f: ConfigFields): boolean;
  readonly qkNorm: QkNorm;
  slidingWindow(f: ConfigFields): number | null;
  /** Phi-3's fused `qkv_proj` and `gate_up_proj`. */
  readonly fusedProjections?: boolean;
  /** Norms on the sublayer outputs instead of their inputs (OLMo 2); Gemma's placement comes with `gemma`. */
  readonly normPlacement?: NormPlacement;
  /** Partial rotary, where the config class has it: the 4.x key and its default. */
  readonly partialRotary?: RopeFieldRules['partial'];
  /** Which layers rotate (default: all; SmolLM3 has NoPE layers). */
  ropeLayers?(f: ConfigFields, layers: number): boolean[];
  /** Granite's embedding, residual and logits multipliers (default: none). */
  multipliers?(f: ConfigFields): Pick<ModelConfig, 'embedScale' | 'scaling'>;
  /** Present for mixture-of-experts types: how their MoE fields are read. */
  readonly moe?: MoeTraits;
  /** Each layer's type (default: every layer full, and `layer_types` may say nothing else). */
  layerTypes?(f: ConfigFields, layers: number): LayerType[];
  /** The activation (default: `hidden_act`, silu). */
  hiddenAct?(f: ConfigFields): string;
  /** head_dim when the config has none (default: hidden / heads). */
  readonly headDim?: number;
  /** The config class's `tie_word_embeddings` default (false unless set). */
  readonly tiedByDefault?: boolean;
  /** The attention scale, when the config sets one instead of 1/√head_dim. */
  attentionScale?(f: ConfigFields): number;
  /** Rotary positions: `rope` for every layer, `slidingRope` where sliding layers differ (default: `parseRope`). */
  rope?(f: ConfigFields): { rope: RopeConfig; slidingRope: RopeConfig | null };
  /** Gemma's numerics (default: none of them): norms around 1, scaled embeddings, soft caps, four norms per layer. */
  gemma?(f: ConfigFields, hidden: number): Pick<ModelConfig, 'embedScale' | 'softcap' | 'normPlacement'>;
}

const NOT_GEMMA: Pick<ModelConfig, 'embedScale' | 'softcap' | 'normPlacement'> = {
  embedScale: null,
  softcap: { attention: null, final: null },
  normPlacement: 'pre',
};

/** Every layer full: a `layer_types` that says otherwise belongs to a type whose traits read it. */
function allFull(f: ConfigFields, layers: number): LayerType[] {
  const layerTypes = f.raw.layer_types;
  if (Array.isArray(layerTypes)) {
    const k = layerTypes.findIndex((t) => t !== 'full_attention');
    if (k >= 0) f.fail(`layer_types[${k}]`, `"${String(layerTypes[k])}" layers are not supported (only full_attention)`);
  }
  return Array<LayerType>(layers).fill('full_attention');
}

/** The fields every RoPE decoder config shares, read with the given type's defaults. */
export function parseDecoderConfig(f: ConfigFields, traits: DecoderTraits): ParsedFields {
  const hidden = f.int('hidden_size');
  const heads = f.int('num_attention_heads');
  const kvHeads = f.int('num_key_value_heads', heads);
  if (heads % kvHeads !== 0) f.fail('num_key_value_heads', `${kvHeads} does not divide num_attention_heads ${heads}`);
  // transformers: `getattr(config, "head_dim", None) or hidden_size // num_attention_heads`.
  if (!f.has('head_dim') && traits.headDim === undefined && hidden % heads !== 0) f.fail('hidden_size', `${hidden} is not a multiple of num_attention_heads ${heads}`);
  const headDim = f.int('head_dim', traits.headDim ?? hidden / heads);
  const maxPositionEmbeddings = f.int('max_position_embeddings', traits.defaults.maxPositionEmbeddings);
  const window = traits.slidingWindow(f);
  const gemma = traits.gemma?.(f, hidden) ?? NOT_GEMMA;
  const { rope, slidingRope } = traits.rope?.(f) ?? { rope: parseRope(f, { defaultTheta: traits.defaults.ropeTheta, partial: traits.partialRotary }), slidingRope: null };
  if (rotaryDims(rope, headDim) % 2 !== 0) f.fail('head_dim', `rotary embeddings need an even number of rotary dims, got ${headDim} × ${rope.partialRotaryFactor}`);
  const vocab = f.int('vocab_size');
  const padTokenId = f.tokenId('pad_token_id');
  // It is the embedding's padding_idx, which torch requires to be a row of the table.
  if (padTokenId !== null && padTokenId >= vocab) f.fail('pad_token_id', `${padTokenId} is not below vocab_size ${vocab}`);
  const layers = f.int('num_hidden_layers');
  return {
    family: 'llama',
    vocab,
    hidden,
    intermediate: f.int('intermediate_size'),
    layers,
    heads,
    kvHeads,
    headDim,
    norm: { kind: 'rms', eps: f.positive('rms_norm_eps', traits.defaults.rmsNormEps), weightOffset: traits.gemma ? 1 : 0 },
    hiddenAct: traits.hiddenAct?.(f) ?? readActivation(f, 'hidden_act', 'silu'),
    rope,
    slidingRope,
    ...gemma,
    normPlacement: traits.normPlacement ?? gemma.normPlacement,
    ...(traits.multipliers?.(f) ?? { scaling: UNSCALED }),
    maxPositionEmbeddings,
    tieWordEmbeddings: f.bool('tie_word_embeddings', traits.tiedByDefault ?? false),
    attentionBias: traits.attentionBias(f),
    mlpBias: traits.mlpBias(f),
    qkNorm: traits.qkNorm,
    fusedProjections: traits.fusedProjections ?? false,
    ropeLayers: traits.ropeLayers?.(f, layers) ?? Array<boolean>(layers).fill(true),
    parallelResidual: false,
    layerTypes: (traits.layerTypes ?? allFull)(f, layers),
    // A window that covers every position the model supports never masks anything.
    slidingWindow: window !== null && window < maxPositionEmbeddings ? window : null,
    moe: traits.moe ? parseMoe(f, traits.moe, layers) : null,
    attentionScale: traits.attentionScale?.(f) ?? 1 / Math.sqrt(headDim),
    dropout: { attention: f.number('attention_dropout', 0), residual: 0, embedding: 0 },
    bosTokenId: f.tokenId('bos_token_id'),
    eosTokenId: f.tokenIds('eos_token_id'),
    padTokenId,
  };
}
