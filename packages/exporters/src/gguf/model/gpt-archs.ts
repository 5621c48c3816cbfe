import type { ModelConfig } from '@tunekit/models';
import { bool, f32, u32 } from '../format/gguf-value.js';
import { ropeScalingKeys } from './decoder-archs.js';
import type { GgufArch, TensorMapping } from './gguf-arch.types.js';

type Names = Readonly<Record<string, string>>;

/** Splits `<prefix>.N.<module>.<kind>` or `<module>.<kind>` into llama.cpp's name, the module and the layer. */
function mapName(hfName: string, layerPrefix: string, layer: Names, global: Names): { name: string; module: string; layer?: number } | null {
  const kind = hfName.slice(hfName.lastIndexOf('.') + 1);
  const path = hfName.slice(0, hfName.lastIndexOf('.'));
  if (global[path]) return { name: `${global[path]}.${kind}`, module: path };
  const m = new RegExp(`^${layerPrefix.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`).exec(path);
  if (!m || !layer[m[2]!]) return null;
  return { name: `blk.${m[1]}.${layer[m[2]!]}.${kind}`, module: m[2]!, layer: Number(m[1]) };
}

const GPT2_LAYER: Names = { 'ln_1': 'attn_norm', 'attn.c_attn': 'attn_qkv', 'attn.c_proj': 'attn_output', 'ln_2': 'ffn_norm', 'mlp.c_fc': 'ffn_up', 'mlp.c_proj': 'ffn_down' };
const GPT2_GLOBAL: Names = { 'transformer.wte': 'token_embd', 'transformer.wpe': 'position_embd', 'transformer.ln_f': 'output_norm', 'lm_head': 'output' };

export const GPT2_ARCH: GgufArch = {
  arch: 'gpt2',
  writesTiedOutput: true,
  check: () => [],
  hparams: (c) => [
    ['context_length', u32(c.maxPositionEmbeddings)],
    ['embedding_length', u32(c.hidden)],
    ['feed_forward_length', u32(c.intermediate)],
    ['block_count', u32(c.layers)],
    ['attention.head_count', u32(c.heads)],
    ['attention.layer_norm_epsilon', f32(c.norm.eps)],
    ['vocab_size', u32(c.vocab)],
  ],
  tensors(hfName) {
    const m = mapName(hfName, 'transformer.h', GPT2_LAYER, GPT2_GLOBAL);
    if (!m) return null;
    const conv1d = hfName.endsWith('.weight') && m.layer !== undefined && m.module !== 'ln_1' && m.module !== 'ln_2';
    return [{ name: m.name, ...(m.layer === undefined ? {} : { layer: m.layer }), ...(conv1d ? { transpose: true } : {}) }];
  },
};

const NEOX_LAYER: Names = {
  'input_layernorm': 'attn_norm',
  'post_attention_layernorm': 'ffn_norm',
  'attention.query_key_value': 'attn_qkv',
  'attention.dense': 'attn_output',
  'mlp.dense_h_to_4h': 'ffn_up',
  'mlp.dense_4h_to_h': 'ffn_down',
};
const NEOX_GLOBAL: Names = { 'gpt_neox.embed_in': 'token_embd', 'gpt_neox.final_layer_norm': 'output_norm', 'embed_out': 'output' };

/** GPT-NeoX (Pythia): llama.cpp's gptneox, with the fused qkv regrouped as convert_hf_to_gguf does. */
export const GPT_NEOX_ARCH: GgufArch = {
  arch: 'gptneox',
  writesTiedOutput: true,
  check(c: ModelConfig) {
    if (!c.attentionBias.qkv || !c.mlpBias) throw new Error(`model_type "gpt_neox": attention_bias false (llama.cpp's gptneox requires every bias); not exported to GGUF`);
    // ggml_gelu is the tanh approximation; GPT-NeoX's "gelu" is the exact erf form (they differ by < 1e-3).
    return c.hiddenAct === 'gelu' ? ['hidden_act "gelu": llama.cpp applies the tanh approximation of GELU, so logits differ slightly (below 1e-3 per activation)'] : [];
  },
  hparams: (c) => [
    ['context_length', u32(c.maxPositionEmbeddings)],
    ['embedding_length', u32(c.hidden)],
    ['block_count', u32(c.layers)],
    ['feed_forward_length', u32(c.intermediate)],
    ['rope.dimension_count', u32(Math.round(c.headDim * c.rope!.partialRotaryFactor))],
    ['rope.freq_base', f32(c.rope!.theta)],
    ['attention.head_count', u32(c.heads)],
    ['use_parallel_residual', bool(c.parallelResidual)],
    ['attention.layer_norm_epsilon', f32(c.norm.eps)],
    ['vocab_size', u32(c.vocab)],
    ...ropeScalingKeys(c.rope!),
  ],
  tensors(hfName, c) {
    const m = mapName(hfName, 'gpt_neox.layers', NEOX_LAYER, NEOX_GLOBAL);
    if (!m) return null;
    const t: TensorMapping = { name: m.name, ...(m.layer === undefined ? {} : { layer: m.layer }), ...(m.module === 'attention.query_key_value' ? { neoxQkvHeads: c.heads } : {}) };
    return [t];
  },
};
