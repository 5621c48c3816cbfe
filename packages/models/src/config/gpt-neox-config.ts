import { readActivation } from './activation-field.js';
import type { ConfigFields } from './config-fields.js';
import { UNSCALED } from './decoder-config.js';
import type { LayerType } from './layer-types.js';
import type { ParsedFields } from './model-types.js';
import { parseRope, rotaryDims } from './rope-scaling.js';

/**
 * GPT-NeoX's config.json (GPTNeoXConfig names and defaults; Pythia, GPT-NeoX-20B). transformers 4.x
 * writes the rotary base and share as `rotary_emb_base` and `rotary_pct`, 5.x inside `rope_parameters`.
 */
export function parseGptNeoxConfig(f: ConfigFields): ParsedFields {
  const hidden = f.int('hidden_size', 6144);
  const heads = f.int('num_attention_heads', 64);
  if (hidden % heads !== 0) f.fail('hidden_size', `${hidden} is not a multiple of num_attention_heads ${heads}`);
  const headDim = hidden / heads;
  const layers = f.int('num_hidden_layers', 44);
  const rope = parseRope(f, { defaultTheta: 10000, thetaKey: 'rotary_emb_base', partial: { key: 'rotary_pct', fallback: 0.25 } });
  if (rotaryDims(rope, headDim) % 2 !== 0) f.fail('rotary_pct', `rotary embeddings need an even number of rotary dims, got ${headDim} × ${rope.partialRotaryFactor}`);
  const bias = f.bool('attention_bias', true);
  return {
    family: 'gpt_neox',
    vocab: f.int('vocab_size', 50432),
    hidden,
    intermediate: f.int('intermediate_size', 24576),
    layers,
    heads,
    kvHeads: heads,
    headDim,
    norm: { kind: 'layer', eps: f.positive('layer_norm_eps', 1e-5), weightOffset: 0 },
    hiddenAct: readActivation(f, 'hidden_act', 'gelu'),
    rope,
    slidingRope: null,
    embedScale: null,
    softcap: { attention: null, final: null },
    maxPositionEmbeddings: f.int('max_position_embeddings', 2048),
    tieWordEmbeddings: f.bool('tie_word_embeddings', false),
    attentionBias: { qkv: bias, o: bias },
    // GPTNeoXMLP's two Linears always have biases.
    mlpBias: true,
    qkNorm: 'none',
    fusedProjections: true,
    normPlacement: 'pre',
    ropeLayers: Array<boolean>(layers).fill(true),
    scaling: UNSCALED,
    parallelResidual: f.bool('use_parallel_residual', true),
    moe: null,
    layerTypes: Array<LayerType>(layers).fill('full_attention'),
    slidingWindow: null,
    attentionScale: 1 / Math.sqrt(headDim),
    dropout: { attention: f.number('attention_dropout', 0), residual: f.number('hidden_dropout', 0), embedding: f.number('hidden_dropout', 0) },
    bosTokenId: f.tokenId('bos_token_id') ?? 0,
    eosTokenId: f.tokenIds('eos_token_id') ?? 2,
    padTokenId: f.tokenId('pad_token_id'),
  };
}
