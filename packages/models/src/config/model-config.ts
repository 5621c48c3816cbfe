import { ModelConfigError } from './config-error.js';
import { ConfigFields, type RawConfig } from './config-fields.js';
import { MODEL_TYPES, type ModelType, isModelType } from './model-types.js';
import type { MoeConfig } from './moe-config.js';
import type { LayerType } from './layer-types.js';
import type { RopeConfig } from './rope-scaling.js';

/** The two code paths: the RoPE + RMSNorm decoder (Llama, Mistral, Qwen2/3) and GPT-2. */
export type ArchFamily = 'llama' | 'gpt2';

/** Where a decoder layer normalises: sublayer inputs (Llama), or inputs and outputs (Gemma 2/3's four norms per layer). */
export type NormPlacement = 'pre' | 'sandwich';

/**
 * A Hugging Face `config.json`, validated and normalised: every field the math depends on, with
 * transformers' defaults filled in. Built only by `parseModelConfig`, so a value here is one we
 * implement exactly.
 */
export interface ModelConfig {
  readonly modelType: ModelType;
  readonly family: ArchFamily;
  readonly vocab: number;
  readonly hidden: number;
  readonly intermediate: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /**
   * RMSNorm (llama family) or LayerNorm (gpt2), its epsilon, and what the stored weight is an offset
   * from: 0, or 1 for Gemma's (1 + weight).
   */
  readonly norm: { readonly kind: 'rms' | 'layer'; readonly eps: number; readonly weightOffset: number };
  readonly normPlacement: NormPlacement;
  /** An `ACT2FN` name (`silu`, `gelu_new`, ...). */
  readonly hiddenAct: string;
  /** Rotary positions, or null for learned absolute positions (GPT-2). */
  readonly rope: RopeConfig | null;
  /** Rotary positions of `sliding_attention` layers where they differ from `rope` (Gemma 3's local base), else null. */
  readonly slidingRope: RopeConfig | null;
  /**
   * Gemma: embeddings times √hidden, rounded to the embedding's storage dtype as transformers does;
   * over every input embedding (Gemma, Gemma 2: a prompt-learning method's too) or the tokens' only (Gemma 3).
   */
  readonly embedScale: { readonly value: number; readonly appliesTo: 'inputs' | 'tokens' } | null;
  /** tanh(x / c) · c on the attention scores and on the logits (Gemma 2); null = none. */
  readonly softcap: { readonly attention: number | null; readonly final: number | null };
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** Qwen2 has q/k/v biases but none on o_proj, hence two flags. */
  readonly attentionBias: { readonly qkv: boolean; readonly o: boolean };
  readonly mlpBias: boolean;
  /** Qwen3: RMSNorm over head_dim on each query and key head, before RoPE. */
  readonly qkNorm: boolean;
  /** Per layer (transformers' `layer_types`): full attention, or the sliding window below. */
  readonly layerTypes: readonly LayerType[];
  /**
   * The window of `sliding_attention` layers (every layer for Mistral, alternate ones for Gemma 2/3):
   * a query sees only the last `slidingWindow` keys, itself included; null = unlimited.
   */
  readonly slidingWindow: number | null;
  /** A sparse mixture-of-experts MLP in place of the dense one (Mixtral, Qwen3-MoE); null for dense models. */
  readonly moe: MoeConfig | null;
  /** Multiplies q·kᵀ: 1/√headDim, or 1 for GPT-2 with `scale_attn_weights: false`. */
  readonly attentionScale: number;
  /**
   * Dropout rates as configured. The models do not apply dropout (they compute what transformers
   * computes in eval mode); these are kept so a trainer can see what the checkpoint was trained with.
   */
  readonly dropout: { readonly attention: number; readonly residual: number; readonly embedding: number };
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | readonly number[] | null;
  readonly padTokenId: number | null;
  /** The config.json object as read; `saveModel` writes it back unchanged. */
  readonly raw: RawConfig;
}

/**
 * Parses and validates a config.json object. `file` names the source in errors. An unsupported
 * `model_type`, or a field whose value would change the math in a way we do not implement, is a
 * `ModelConfigError` naming the field: a checkpoint either loads exactly or not at all.
 */
export function parseModelConfig(raw: unknown, file = 'config.json'): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelConfigError(file, null, 'expected a JSON object');
  const fields = new ConfigFields(raw as RawConfig, file);
  const modelType = fields.string('model_type');
  if (!isModelType(modelType)) {
    return fields.fail('model_type', `"${modelType}" is not supported (supported: ${Object.keys(MODEL_TYPES).join(', ')})`);
  }
  return { ...MODEL_TYPES[modelType].parse(fields), modelType, raw: fields.raw };
}
