import type { ModelType } from '../config/model-types.js';

/** The sizes a tiny or preset-shaped checkpoint is made with (config.json field values). */
export interface TinyShape {
  readonly hidden: number;
  readonly intermediate: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocab: number;
  readonly tied: boolean;
  readonly ropeTheta: number;
  readonly eps: number;
  readonly maxPositions: number;
  readonly initializerRange: number;
  /** Mixture-of-experts models: how many experts, how many per token, and each one's intermediate size. */
  readonly experts?: number;
  readonly expertsPerToken?: number;
  readonly expertIntermediate?: number;
}

export type TinyArch = ModelType;

/** head_dim is hidden / heads unless the model sets its own (Gemma's 256). */
const preset = (modelType: ModelType, s: Omit<TinyShape, 'headDim'> & { headDim?: number }) => ({ modelType, shape: { ...s, headDim: s.headDim ?? s.hidden / s.heads } });

/** Real models' shapes (from their config.json files), for benchmarks at true size. */
export const TINY_PRESETS = {
  'smollm2-135m': preset('llama', {
    hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, vocab: 49152, tied: true,
    ropeTheta: 100000, eps: 1e-5, maxPositions: 8192, initializerRange: 0.041666666666666664,
  }),
  'smollm2-360m': preset('llama', {
    hidden: 960, intermediate: 2560, layers: 32, heads: 15, kvHeads: 5, vocab: 49152, tied: true,
    ropeTheta: 100000, eps: 1e-5, maxPositions: 8192, initializerRange: 0.02,
  }),
  'qwen2.5-0.5b': preset('qwen2', {
    hidden: 896, intermediate: 4864, layers: 24, heads: 14, kvHeads: 2, vocab: 151936, tied: true,
    ropeTheta: 1000000, eps: 1e-6, maxPositions: 32768, initializerRange: 0.02,
  }),
  'tinyllama-1.1b': preset('llama', {
    hidden: 2048, intermediate: 5632, layers: 22, heads: 32, kvHeads: 4, vocab: 32000, tied: false,
    ropeTheta: 10000, eps: 1e-5, maxPositions: 2048, initializerRange: 0.02,
  }),
  // google/gemma-3-1b-pt: 5 sliding layers per full one, one KV head of 256.
  'gemma-3-1b': preset('gemma3_text', {
    hidden: 1152, intermediate: 6912, layers: 26, heads: 4, kvHeads: 1, headDim: 256, vocab: 262144, tied: true,
    ropeTheta: 1000000, eps: 1e-6, maxPositions: 32768, initializerRange: 0.02,
  }),
  'llama-2-7b': preset('llama', {
    hidden: 4096, intermediate: 11008, layers: 32, heads: 32, kvHeads: 32, vocab: 32000, tied: false,
    ropeTheta: 10000, eps: 1e-5, maxPositions: 4096, initializerRange: 0.02,
  }),
  // microsoft/Phi-3-mini-4k-instruct (fused qkv_proj and gate_up_proj).
  'phi-3-mini-4k': preset('phi3', {
    hidden: 3072, intermediate: 8192, layers: 32, heads: 32, kvHeads: 32, vocab: 32064, tied: false,
    ropeTheta: 10000, eps: 1e-5, maxPositions: 4096, initializerRange: 0.02,
  }),
  // allenai/OLMo-2-0425-1B.
  'olmo-2-1b': preset('olmo2', {
    hidden: 2048, intermediate: 8192, layers: 16, heads: 16, kvHeads: 16, vocab: 100352, tied: false,
    ropeTheta: 500000, eps: 1e-6, maxPositions: 4096, initializerRange: 0.02,
  }),
  /**
   * Qwen3-30B-A3B's layer shapes (hidden 2048, 32 query / 4 kv heads of 128, experts of 768, top 8
   * of 128, its vocabulary) in 2 of its 48 layers with 16 of its 128 experts: one layer costs what
   * a real one does per routed token, and the model fits a small machine (3.1 GB in f32, 2.5 GB of
   * it embeddings and head). Override `layers` / `experts` for more.
   */
  'qwen3-30b-a3b': {
    modelType: 'qwen3_moe',
    shape: {
      hidden: 2048, intermediate: 6144, layers: 2, heads: 32, kvHeads: 4, headDim: 128, vocab: 151936, tied: false,
      ropeTheta: 1000000, eps: 1e-6, maxPositions: 40960, initializerRange: 0.02,
      experts: 16, expertsPerToken: 8, expertIntermediate: 768,
    },
  },
} as const satisfies Record<string, { modelType: ModelType; shape: TinyShape }>;

export type TinyPreset = keyof typeof TINY_PRESETS;

const TINY: TinyShape = {
  hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 16, vocab: 320, tied: false,
  ropeTheta: 10000, eps: 1e-6, maxPositions: 256, initializerRange: 0.02,
};

/** Tiny shapes per architecture: each config class's defaults where they matter (GPT-2 ties its head). */
export const TINY_SHAPES: Record<TinyArch, TinyShape> = {
  llama: TINY,
  mistral: TINY,
  qwen2: TINY,
  qwen3: TINY,
  phi3: { ...TINY, eps: 1e-5 },
  olmo2: { ...TINY, eps: 1e-5 },
  // SmolLM3 ties its head by default; 4 layers so the default interval makes the last one NoPE.
  smollm3: { ...TINY, layers: 4, tied: true },
  granite: TINY,
  gpt_neox: { ...TINY, kvHeads: TINY.heads, eps: 1e-5 },
  gpt2: { ...TINY, kvHeads: TINY.heads, tied: true, eps: 1e-5 },
  mixtral: { ...TINY, eps: 1e-5, experts: 4, expertsPerToken: 2, expertIntermediate: TINY.intermediate },
  qwen3_moe: { ...TINY, experts: 4, expertsPerToken: 2, expertIntermediate: 64 },
  gemma: { ...TINY, tied: true },
  gemma2: { ...TINY, tied: true },
  gemma3_text: { ...TINY, tied: true },
};
