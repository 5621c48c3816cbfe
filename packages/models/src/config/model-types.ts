import type { ConfigFields } from './config-fields.js';
import { parseDecoderConfig, type DecoderTraits } from './decoder-config.js';
import { GEMMA_TRAITS } from './gemma-traits.js';
import { parseGpt2Config } from './gpt2-config.js';
import { parseGptNeoxConfig } from './gpt-neox-config.js';
import { readGraniteMultipliers } from './granite-scaling.js';
import type { LayerType } from './layer-types.js';
import { nopeLayerTypes, readRopeLayers } from './nope-layers.js';
import type { ModelConfig } from './model-config.js';

export type ParsedFields = Omit<ModelConfig, 'modelType' | 'raw'>;

interface ModelTypeRule {
  parse(f: ConfigFields): ParsedFields;
}

const both = (on: boolean) => ({ qkv: on, o: on });

/**
 * Qwen's window covers layers ≥ max_window_layers, but which layers a given transformers version
 * and attention implementation actually windows has changed over time; with no golden reference
 * for it, a window stays refused rather than guessed.
 */
function refuseQwenSlidingWindow(f: ConfigFields): null {
  if (f.bool('use_sliding_window', false)) f.fail('use_sliding_window', 'sliding-window attention for Qwen models is not supported');
  return null;
}

/**
 * What differs between the RoPE decoders, as data: each entry reads only the fields its
 * transformers config class has, with that class's defaults.
 */
const DECODER_TRAITS = {
  llama: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: (f) => f.bool('mlp_bias', false),
    qkNorm: 'none',
    slidingWindow: () => null,
  },
  mistral: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 4096 * 32 },
    attentionBias: () => both(false),
    mlpBias: () => false,
    qkNorm: 'none',
    slidingWindow: (f) => f.optionalInt('sliding_window'),
    // MistralAttention windows every layer.
    layerTypes: (_, layers) => Array<LayerType>(layers).fill('sliding_attention'),
  },
  qwen2: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
    attentionBias: () => ({ qkv: true, o: false }),
    mlpBias: () => false,
    qkNorm: 'none',
    slidingWindow: refuseQwenSlidingWindow,
  },
  qwen3: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: () => false,
    qkNorm: 'head',
    slidingWindow: refuseQwenSlidingWindow,
  },
  phi3: {
    defaults: { rmsNormEps: 1e-5, ropeTheta: 10000, maxPositionEmbeddings: 4096 },
    attentionBias: () => both(false),
    mlpBias: () => false,
    qkNorm: 'none',
    slidingWindow: (f) => f.optionalInt('sliding_window'),
    // Phi3Model (Mistral's) windows every layer when sliding_window is set.
    layerTypes: (_, layers) => Array<LayerType>(layers).fill('sliding_attention'),
    fusedProjections: true,
    partialRotary: { key: 'partial_rotary_factor', fallback: 1 },
  },
  olmo2: {
    defaults: { rmsNormEps: 1e-5, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: () => false,
    qkNorm: 'projection',
    slidingWindow: () => null,
    normPlacement: 'post',
  },
  smollm3: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 2000000, maxPositionEmbeddings: 32768 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: (f) => f.bool('mlp_bias', false),
    qkNorm: 'none',
    slidingWindow: (f) => f.optionalInt('sliding_window'),
    layerTypes: nopeLayerTypes,
    tiedByDefault: true,
    ropeLayers: readRopeLayers,
  },
  granite: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: (f) => f.bool('mlp_bias', false),
    qkNorm: 'none',
    slidingWindow: () => null,
    multipliers: readGraniteMultipliers,
    attentionScale: (f) => f.number('attention_multiplier', 1)
  },
  mixtral: {
    defaults: { rmsNormEps: 1e-5, ropeTheta: 1e6, maxPositionEmbeddings: 4096 * 32 },
    attentionBias: () => both(false),
    mlpBias: () => false,
    qkNorm: 'none',
    slidingWindow: (f) => f.optionalInt('sliding_window'),
    moe: {
      readsNormTopKProb: false,
      expertIntermediateField: 'intermediate_size',
      sparseLayerFields: false,
      defaults: { experts: 8, topK: 2, normTopKProb: true, auxLossCoef: 0.001 },
    },
  },
  qwen3_moe: {
    defaults: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
    attentionBias: (f) => both(f.bool('attention_bias', false)),
    mlpBias: () => false,
    qkNorm: 'head',
    slidingWindow: refuseQwenSlidingWindow,
    moe: {
      readsNormTopKProb: true,
      expertIntermediateField: 'moe_intermediate_size',
      sparseLayerFields: true,
      defaults: { experts: 128, topK: 8, normTopKProb: false, auxLossCoef: 0.001 },
    },
  },
} satisfies Record<string, DecoderTraits>;

/** Every supported `model_type` and how its config.json is read. */
export const MODEL_TYPES = {
  llama: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.llama) },
  mistral: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.mistral) },
  qwen2: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.qwen2) },
  qwen3: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.qwen3) },
  phi3: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.phi3) },
  olmo2: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.olmo2) },
  smollm3: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.smollm3) },
  granite: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.granite) },
  mixtral: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.mixtral) },
  qwen3_moe: { parse: (f) => parseDecoderConfig(f, DECODER_TRAITS.qwen3_moe) },
  gemma: { parse: (f) => parseDecoderConfig(f, GEMMA_TRAITS.gemma) },
  gemma2: { parse: (f) => parseDecoderConfig(f, GEMMA_TRAITS.gemma2) },
  gemma3_text: { parse: (f) => parseDecoderConfig(f, GEMMA_TRAITS.gemma3_text) },
  gpt2: { parse: parseGpt2Config },
  gpt_neox: { parse: parseGptNeoxConfig },
} as const satisfies Record<string, ModelTypeRule>;

export type ModelType = keyof typeof MODEL_TYPES;

export const isModelType = (t: string): t is ModelType => Object.hasOwn(MODEL_TYPES, t);
