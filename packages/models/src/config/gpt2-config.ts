import { readActivation } from './activation-field.js';
import type { ConfigFields } from './config-fields.js';
import { UNSCALED } from './decoder-config.js';
import type { LayerType } from './layer-types.js';
import type { ParsedFields } from './model-types.js';

/**
 * GPT-2's config.json (GPT2Config field names and defaults). `reorder_and_upcast_attn` is
 * accepted: it only moves the scaling before the matmul and upcasts to f32, and we compute
 * attention in f32 throughout, so the math is the same.
 */
export function parseGpt2Config(f: ConfigFields): ParsedFields {
  if (f.bool('scale_attn_by_inverse_layer_idx', false)) {
    f.fail('scale_attn_by_inverse_layer_idx', 'scaling attention by 1/(layer index + 1) is not supported');
  }
  if (f.bool('add_cross_attention', false)) f.fail('add_cross_attention', 'cross-attention is not supported');
  const hidden = f.int('n_embd', 768);
  const heads = f.int('n_head', 12);
  if (hidden % heads !== 0) f.fail('n_embd', `${hidden} is not a multiple of n_head ${heads}`);
  const headDim = hidden / heads;
  const layers = f.int('n_layer', 12);
  return {
    family: 'gpt2',
    vocab: f.int('vocab_size', 50257),
    hidden,
    intermediate: f.int('n_inner', 4 * hidden),
    layers,
    heads,
    kvHeads: heads,
    headDim,
    norm: { kind: 'layer', eps: f.positive('layer_norm_epsilon', 1e-5), weightOffset: 0 },
    normPlacement: 'pre',
    hiddenAct: readActivation(f, 'activation_function', 'gelu_new'),
    rope: null,
    slidingRope: null,
    embedScale: null,
    softcap: { attention: null, final: null },
    maxPositionEmbeddings: f.int('n_positions', 1024),
    tieWordEmbeddings: f.bool('tie_word_embeddings', true),
    attentionBias: { qkv: true, o: true },
    mlpBias: true,
    qkNorm: 'none',
    fusedProjections: false,
    ropeLayers: Array<boolean>(layers).fill(false),
    scaling: UNSCALED,
    parallelResidual: false,
    layerTypes: Array<LayerType>(layers).fill('full_attention'),
    slidingWindow: null,
    moe: null,
    attentionScale: f.bool('scale_attn_weights', true) ? 1 / Math.sqrt(headDim) : 1,
    dropout: { attention: f.number('attn_pdrop', 0.1), residual: f.number('resid_pdrop', 0.1), embedding: f.number('embd_pdrop', 0.1) },
    bosTokenId: f.tokenId('bos_token_id') ?? 50256,
    eosTokenId: f.tokenIds('eos_token_id') ?? 50256,
    padTokenId: f.tokenId('pad_token_id'),
  };
}
