import type { FloatDType } from '@tunekit/core';
import type { ModelType } from '../config/model-types.js';
import { TORCH_DTYPE } from '../loading/torch-dtype.js';
import { BOS_TOKEN_ID, EOS_TOKEN_ID } from './tiny-tokenizer.js';
import type { TinyShape } from './tiny-presets.js';

type Json = Record<string, unknown>;

/** The transformers release whose config classes these writers follow. */
export const TRANSFORMERS_VERSION = '4.46.3';

const common = (s: TinyShape, dtype: FloatDType): Json => ({
  bos_token_id: BOS_TOKEN_ID,
  eos_token_id: EOS_TOKEN_ID,
  initializer_range: s.initializerRange,
  tie_word_embeddings: s.tied,
  torch_dtype: TORCH_DTYPE[dtype],
  transformers_version: TRANSFORMERS_VERSION,
  use_cache: true,
  vocab_size: s.vocab,
});

const decoder = (s: TinyShape): Json => ({
  attention_dropout: 0.0,
  hidden_act: 'silu',
  hidden_size: s.hidden,
  intermediate_size: s.intermediate,
  max_position_embeddings: s.maxPositions,
  num_attention_heads: s.heads,
  num_hidden_layers: s.layers,
  num_key_value_heads: s.kvHeads,
  rms_norm_eps: s.eps,
  rope_theta: s.ropeTheta,
});

const moe = (s: TinyShape): Json => {
  if (!s.experts || !s.expertsPerToken) throw new Error('a mixture-of-experts shape needs experts and expertsPerToken');
  return { num_experts_per_tok: s.expertsPerToken, output_router_logits: false, router_aux_loss_coef: 0.001 };
};

/** Gemma 2/3 name their activation `hidden_activation` and scale queries by query_pre_attn_scalar (head_dim in the released models). */
const gemmaDecoder = (s: TinyShape, dtype: FloatDType): Json => {
  const { hidden_act: _, ...fields } = decoder(s);
  return {
    ...common(s, dtype), ...fields, attention_bias: false, head_dim: s.headDim, hidden_activation: 'gelu_pytorch_tanh', pad_token_id: 0,
    query_pre_attn_scalar: s.headDim,
  };
};

/** config.json as each transformers config class writes it (its own fields, defaults included). */
export const CONFIG_WRITERS: Record<ModelType, (s: TinyShape, dtype: FloatDType) => Json> = {
  llama: (s, dtype) => ({
    architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common(s, dtype), ...decoder(s),
    attention_bias: false, head_dim: s.headDim, mlp_bias: false, pretraining_tp: 1, rope_scaling: null,
  }),
  mistral: (s, dtype) => ({
    architectures: ['MistralForCausalLM'], model_type: 'mistral', ...common(s, dtype), ...decoder(s),
    head_dim: s.headDim, sliding_window: 4096,
  }),
  qwen2: (s, dtype) => ({
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common(s, dtype), ...decoder(s),
    max_window_layers: s.layers, rope_scaling: null, sliding_window: null, use_sliding_window: false,
  }),
  qwen3: (s, dtype) => ({
    architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', ...common(s, dtype), ...decoder(s),
    attention_bias: false, head_dim: s.headDim, max_window_layers: s.layers, rope_scaling: null, sliding_window: null, use_sliding_window: false,
  }),
  phi3: (s, dtype) => ({
    architectures: ['Phi3ForCausalLM'], model_type: 'phi3', ...common(s, dtype), ...decoder(s),
    embd_pdrop: 0.0, original_max_position_embeddings: s.maxPositions, pad_token_id: null, resid_pdrop: 0.0, rope_scaling: null, sliding_window: null,
  }),
  olmo2: (s, dtype) => ({
    architectures: ['Olmo2ForCausalLM'], model_type: 'olmo2', ...common(s, dtype), ...decoder(s),
    attention_bias: false, pad_token_id: null, rope_scaling: null,
  }),
  smollm3: (s, dtype) => ({
    architectures: ['SmolLM3ForCausalLM'], model_type: 'smollm3', ...common(s, dtype), ...decoder(s),
    attention_bias: false, layer_types: Array(s.layers).fill('full_attention'), mlp_bias: false, no_rope_layer_interval: 4,
    no_rope_layers: Array.from({ length: s.layers }, (_, i) => Number((i + 1) % 4 !== 0)), pad_token_id: null,
    rope_scaling: null, sliding_window: null, use_sliding_window: false,
  }),
  granite: (s, dtype) => ({
    architectures: ['GraniteForCausalLM'], model_type: 'granite', ...common(s, dtype), ...decoder(s),
    attention_bias: false, attention_multiplier: 1.0, embedding_multiplier: 1.0, logits_scaling: 1.0, mlp_bias: false,
    residual_multiplier: 1.0, rope_scaling: null,
  }),
  gpt_neox: (s, dtype) => ({
    architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox', ...common(s, dtype),
    attention_bias: true, attention_dropout: 0.0, classifier_dropout: 0.1, hidden_act: 'gelu', hidden_dropout: 0.0,
    hidden_size: s.hidden, intermediate_size: s.intermediate, layer_norm_eps: s.eps, max_position_embeddings: s.maxPositions,
    num_attention_heads: s.heads, num_hidden_layers: s.layers, rope_scaling: null, rotary_emb_base: s.ropeTheta,
    rotary_pct: 0.25, use_parallel_residual: true,
  }),
  mixtral: (s, dtype) => ({
    architectures: ['MixtralForCausalLM'], model_type: 'mixtral', ...common(s, dtype), ...decoder(s), ...moe(s),
    head_dim: s.headDim, num_local_experts: s.experts, router_jitter_noise: 0.0, sliding_window: null,
  }),
  qwen3_moe: (s, dtype) => ({
    architectures: ['Qwen3MoeForCausalLM'], model_type: 'qwen3_moe', ...common(s, dtype), ...decoder(s), ...moe(s),
    attention_bias: false, decoder_sparse_step: 1, head_dim: s.headDim, max_window_layers: s.layers, mlp_only_layers: [],
    moe_intermediate_size: s.expertIntermediate, norm_topk_prob: true, num_experts: s.experts, rope_scaling: null,
    sliding_window: null, use_sliding_window: false,
  }),
  gemma: (s, dtype) => ({
    architectures: ['GemmaForCausalLM'], model_type: 'gemma', ...common(s, dtype), ...decoder(s),
    attention_bias: false, head_dim: s.headDim, hidden_act: 'gelu_pytorch_tanh', hidden_activation: null, pad_token_id: 0,
  }),
  gemma2: (s, dtype) => ({
    architectures: ['Gemma2ForCausalLM'], model_type: 'gemma2', ...gemmaDecoder(s, dtype),
    attn_logit_softcapping: 50.0, cache_implementation: 'hybrid', final_logit_softcapping: 30.0, sliding_window: 4096,
  }),
  gemma3_text: (s, dtype) => ({
    architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3_text', ...gemmaDecoder(s, dtype),
    attn_logit_softcapping: null, cache_implementation: 'hybrid', final_logit_softcapping: null, rope_local_base_freq: 10000.0,
    rope_scaling: null, sliding_window: 4096, sliding_window_pattern: 6,
  }),
  gpt2: (s, dtype) => ({
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', ...common(s, dtype),
    activation_function: 'gelu_new', attn_pdrop: 0.1, embd_pdrop: 0.1, layer_norm_epsilon: s.eps,
    n_embd: s.hidden, n_head: s.heads, n_inner: s.intermediate === 4 * s.hidden ? null : s.intermediate, n_layer: s.layers,
    n_positions: s.maxPositions, reorder_and_upcast_attn: false, resid_pdrop: 0.1, scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true, summary_activation: null, summary_first_dropout: 0.1, summary_proj_to_labels: true,
    summary_type: 'cls_index', summary_use_proj: true,
  }),
};

/** transformers writes config files with `sort_keys=True`. */
export function sortKeys(json: Json): Json {
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
