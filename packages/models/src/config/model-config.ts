import { showValue } from '@tunekit/core';
import { ModelConfigError } from './config-error.js';
import { ConfigFields, type RawConfig } from './config-fields.js';
import { checkForeignConfigFields } from './foreign-config-fields.js';
import { MODEL_TYPES, type ModelType, isModelType } from './model-types.js';
import type { MoeConfig } from './moe-config.js';
import type { LayerType } from './layer-types.js';
import type { RopeConfig } from './rope-scaling.js';

/** The code paths: the RoPE + RMSNorm decoder (Llama, Mistral, Qwen2/3, Phi-3, OLMo 2, SmolLM3, Granite), GPT-2 and GPT-NeoX. */
export type ArchFamily = 'llama' | 'gpt2' | 'gpt_neox';

/** Where q/k RMSNorms sit: none, per head over head_dim (Qwen3), or over the whole projection before the head split (OLMo 2). */
export type QkNorm = 'none' | 'head' | 'projection';

/**
 * Where a decoder layer normalises: sublayer inputs (Llama), sublayer outputs before the residual
 * add (OLMo 2), or both (Gemma 2/3's four norms per layer).
 */
export type NormPlacement = 'pre' | 'post' | 'sandwich';

/** Granite's constant factors (1 everywhere else; its embedding multiplier is an `embedScale`). */
export interface HiddenScaling {
  /** Multiplies each sublayer's output before it joins the residual stream. */
  readonly residual: number;
  /** Divides the logits. */
  readonly logitsDivisor: number;
}

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
   * A constant on the embeddings: Gemma's √hidden, over every input embedding (Gemma, Gemma 2: a
   * prompt-learning method's too) or the tokens' only (Gemma 3); Granite's `embedding_multiplier`.
   */
  readonly embedScale: {
    readonly value: number;
    readonly appliesTo: 'inputs' | 'tokens';
    /** Rounded to the embedding's dtype first (Gemma's tensor normalizer), or not (Granite's float multiplier). */
    readonly inStorageDtype: boolean;
  } | null;
  /** tanh(x / c) · c on the attention scores and on the logits (Gemma 2); null = none. */
  readonly softcap: { readonly attention: number | null; readonly final: number | null };
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** Qwen2 has q/k/v biases but none on o_proj, hence two flags. */
  readonly attentionBias: { readonly qkv: boolean; readonly o: boolean };
  readonly mlpBias: boolean;
  /** RMSNorm on queries and keys, before RoPE. */
  readonly qkNorm: QkNorm;
  /** Phi-3: q/k/v in one `qkv_proj` and gate/up in one `gate_up_proj`, rows in that order. */
  readonly fusedProjections: boolean;
  /** Per layer, whether it rotates queries and keys (SmolLM3's NoPE layers do not). */
  readonly ropeLayers: readonly boolean[];
  readonly scaling: HiddenScaling;
  /** GPT-NeoX: attention and MLP both read the layer input and their outputs are summed. */
  readonly parallelResidual: boolean;
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
    return fields.fail('model_type', `${showValue(modelType)} is not supported (supported: ${Object.keys(MODEL_TYPES).join(', ')})`);
  }
  checkForeignConfigFields(fields);
  return { ...MODEL_TYPES[modelType].parse(fields), modelType, raw: fields.raw };
}
