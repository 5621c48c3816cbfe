import type { ModelConfig } from '@tunekit/models';
import { type GgufValue, f32, u32 } from '../format/gguf-value.js';

/** How one checkpoint tensor becomes a GGUF tensor. */
export interface TensorMapping {
  /** llama.cpp's name (`blk.3.attn_q.weight`). */
  readonly name: string;
  /** Reorder q/k rows from Hugging Face's rotate-half layout to llama.cpp's interleaved one, over this many heads. */
  readonly permuteHeads?: number;
  /** GPT-2's Conv1D weights are [in, out]: transpose to a Linear's [out, in]. */
  readonly transpose?: boolean;
  /** The block index, for per-layer quantization choices. */
  readonly layer?: number;
}

/** What one model_type exports as: llama.cpp's architecture, its hyperparameter keys, its tensor names. */
export interface GgufArch {
  readonly arch: string;
  /** `<arch>.*` keys, without the prefix. */
  hparams(c: ModelConfig): [string, GgufValue][];
  /** The GGUF tensor for a checkpoint name, or null for one llama.cpp does not read. */
  tensor(hfName: string, c: ModelConfig): TensorMapping | null;
  /** Whether llama.cpp needs `output.weight` written even when the head is tied (GPT-2's converter copies it). */
  readonly writesTiedOutput: boolean;
}

// Per-layer suffix → llama.cpp name, for the RoPE decoders (llama.cpp's tensor_mapping.py).
const DECODER_LAYER: Readonly<Record<string, string>> = {
  'input_layernorm': 'attn_norm',
  'post_attention_layernorm': 'ffn_norm',
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'self_attn.q_norm': 'attn_q_norm',
  'self_attn.k_norm': 'attn_k_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};
const DECODER_GLOBAL: Readonly<Record<string, string>> = { 'model.embed_tokens': 'token_embd', 'model.norm': 'output_norm', 'lm_head': 'output' };

const GPT2_LAYER: Readonly<Record<string, string>> = {
  'ln_1': 'attn_norm',
  'attn.c_attn': 'attn_qkv',
  'attn.c_proj': 'attn_output',
  'ln_2': 'ffn_norm',
  'mlp.c_fc': 'ffn_up',
  'mlp.c_proj': 'ffn_down',
};
const GPT2_GLOBAL: Readonly<Record<string, string>> = { 'transformer.wte': 'token_embd', 'transformer.wpe': 'position_embd', 'transformer.ln_f': 'output_norm', 'lm_head': 'output' };

/** Splits `prefix.N.rest.weight` into the layer, the module path and the parameter kind. */
function mapName(hfName: string, layerPrefix: string, layer: Readonly<Record<string, string>>, global: Readonly<Record<string, string>>) {
  const kind = hfName.slice(hfName.lastIndexOf('.') + 1);
  const path = hfName.slice(0, hfName.lastIndexOf('.'));
  if (global[path]) return { name: `${global[path]}.${kind}`, module: path, layer: undefined };
  const m = new RegExp(`^${layerPrefix.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`).exec(path);
  if (!m || !layer[m[2]!]) return null;
  const index = Number(m[1]);
  return { name: `blk.${index}.${layer[m[2]!]}.${kind}`, module: m[2]!, layer: index };
}

/** The hyperparameters every RoPE decoder writes, as convert_hf_to_gguf's TextModel does. */
function decoderHparams(c: ModelConfig): [string, GgufValue][] {
  const rope = c.rope!;
  const keys: [string, GgufValue][] = [
    ['context_length', u32(c.maxPositionEmbeddings)],
    ['embedding_length', u32(c.hidden)],
    ['block_count', u32(c.layers)],
    ['feed_forward_length', u32(c.intermediate)],
    ['rope.dimension_count', u32(c.headDim)],
    ['rope.freq_base', f32(rope.theta)],
    ['attention.head_count', u32(c.heads)],
    ['attention.head_count_kv', u32(c.kvHeads)],
    ['attention.layer_norm_rms_epsilon', f32(c.norm.eps)],
    ['attention.key_length', u32(c.headDim)],
    ['attention.value_length', u32(c.headDim)],
    ['vocab_size', u32(c.vocab)],
  ];
  // Linear scaling is a key; llama3's frequency bands are a `rope_freqs` tensor (see rope-freqs.ts).
  if (rope.scaling.type === 'linear') keys.push(['rope.scaling.type', { type: 'string', value: 'linear' }], ['rope.scaling.factor', f32(rope.scaling.factor)]);
  return keys;
}

function decoderArch(arch: string, permute: boolean): GgufArch {
  return {
    arch,
    hparams: decoderHparams,
    writesTiedOutput: false,
    tensor(hfName, c) {
      const m = mapName(hfName, 'model.layers', DECODER_LAYER, DECODER_GLOBAL);
      if (!m) return null;
      // llama.cpp's llama graph rotates adjacent pairs; HF rotates halves: convert_hf_to_gguf permutes q and k rows.
      const heads = !permute ? undefined : m.module === 'self_attn.q_proj' ? c.heads : m.module === 'self_attn.k_proj' ? c.kvHeads : undefined;
      return { name: m.name, layer: m.layer, ...(heads ? { permuteHeads: heads } : {}) };
    },
  };
}

const gpt2: GgufArch = {
  arch: 'gpt2',
  writesTiedOutput: true,
  hparams: (c) => [
    ['context_length', u32(c.maxPositionEmbeddings)],
    ['embedding_length', u32(c.hidden)],
    ['feed_forward_length', u32(c.intermediate)],
    ['block_count', u32(c.layers)],
    ['attention.head_count', u32(c.heads)],
    ['attention.layer_norm_epsilon', f32(c.norm.eps)],
    ['vocab_size', u32(c.vocab)],
  ],
  tensor(hfName) {
    const m = mapName(hfName, 'transformer.h', GPT2_LAYER, GPT2_GLOBAL);
    if (!m) return null;
    const conv1d = hfName.endsWith('.weight') && m.layer !== undefined && m.module !== 'ln_1' && m.module !== 'ln_2';
    return { name: m.name, layer: m.layer, ...(conv1d ? { transpose: true } : {}) };
  },
};

/**
 * The model types GGUF export maps, by Hugging Face `model_type`. Mistral converts as llama.cpp's
 * `llama` (as convert_hf_to_gguf does); Qwen2/3 use NeoX-style RoPE in llama.cpp, so no permutation.
 */
export const GGUF_ARCHS: Readonly<Partial<Record<ModelConfig['modelType'], GgufArch>>> = {
  llama: decoderArch('llama', true),
  mistral: decoderArch('llama', true),
  qwen2: decoderArch('qwen2', false),
  qwen3: decoderArch('qwen3', false),
  gpt2,
};
