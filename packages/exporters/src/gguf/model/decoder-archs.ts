import type { ModelConfig, RopeConfig } from '@tunekit/models';
import { type GgufValue, f32, str, u32 } from '../format/gguf-value.js';
import type { GgufArch, TensorMapping } from './gguf-arch.types.js';
import { type DecoderGraph, checkDecoderGraph, slidingPeriod } from './decoder-graph.checks.js';

// Per-layer module path → llama.cpp name, for the RoPE decoders (gguf-py's tensor_mapping.py).
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

/** Gemma 2/3 and OLMo 2 name their extra norms after the sublayer they follow. */
const SANDWICH_NORMS = { 'post_attention_layernorm': 'post_attention_norm', 'pre_feedforward_layernorm': 'ffn_norm', 'post_feedforward_layernorm': 'post_ffw_norm' };
const POST_NORMS = { 'post_attention_layernorm': 'post_attention_norm', 'post_feedforward_layernorm': 'post_ffw_norm' };
/** Phi-3 keeps its fused projections: llama.cpp's phi3 splits attn_qkv, and ffn_up's first half is the gate. */
const PHI3_FUSED = { 'self_attn.qkv_proj': 'attn_qkv', 'mlp.gate_up_proj': 'ffn_up' };
/** transformers 5's packed experts ([E, 2I, H], gate rows first) become llama.cpp's three stacked tensors. */
const EXPERTS: Readonly<Record<string, readonly { name: string; rows?: { index: number; count: number } }[]>> = {
  'mlp.gate': [{ name: 'ffn_gate_inp' }],
  'mlp.experts.gate_up_proj': [{ name: 'ffn_gate_exps', rows: { index: 0, count: 2 } }, { name: 'ffn_up_exps', rows: { index: 1, count: 2 } }],
  'mlp.experts.down_proj': [{ name: 'ffn_down_exps' }],
};

/** Splits `model.layers.N.<module>.<kind>` (or a suffix-less packed parameter) into layer, module and kind. */
function splitName(hfName: string): { layer?: number; module: string; kind: string } {
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  const path = m ? m[2]! : hfName;
  if (m && EXPERTS[path]) return { layer: Number(m[1]), module: path, kind: 'weight' };
  const dot = path.lastIndexOf('.');
  return { ...(m ? { layer: Number(m[1]) } : {}), module: path.slice(0, dot), kind: path.slice(dot + 1) };
}

/** Linear scaling is a key; llama3's frequency bands are a `rope_freqs` tensor instead (see rope-freqs.ts). */
export const ropeScalingKeys = (rope: RopeConfig): [string, GgufValue][] =>
  rope.scaling.type === 'linear' ? [['rope.scaling.type', str('linear')], ['rope.scaling.factor', f32(rope.scaling.factor)]] : [];

/** The hyperparameters every RoPE decoder writes, as convert_hf_to_gguf's TextModel does. */
function decoderHparams(c: ModelConfig): [string, GgufValue][] {
  const rope = c.rope!;
  const keys: [string, GgufValue][] = [
    ['context_length', u32(c.maxPositionEmbeddings)],
    ['embedding_length', u32(c.hidden)],
    ['block_count', u32(c.layers)],
    ['feed_forward_length', u32(c.intermediate)],
    ['rope.dimension_count', u32(Math.round(c.headDim * rope.partialRotaryFactor))],
    ['rope.freq_base', f32(rope.theta)],
    ['attention.head_count', u32(c.heads)],
    ['attention.head_count_kv', u32(c.kvHeads)],
    ['attention.layer_norm_rms_epsilon', f32(c.norm.eps)],
    ['attention.key_length', u32(c.headDim)],
    ['attention.value_length', u32(c.headDim)],
    ['vocab_size', u32(c.vocab)],
  ];
  keys.push(...ropeScalingKeys(rope));
  if (c.moe) keys.push(['expert_count', u32(c.moe.experts)], ['expert_used_count', u32(c.moe.topK)]);
  return keys;
}

/**
 * Gemma 2/3's window: llama.cpp slides layer i when i % period < period − 1. Without a window the
 * key is still written (as the context length), since Gemma 2 defaults to 4096 and Gemma 3 picks
 * the sliding layers' rotary base by the same pattern.
 */
function slidingKeys(c: ModelConfig): [string, GgufValue][] {
  const period = slidingPeriod(c.layerTypes) ?? 1;
  return [['attention.sliding_window', u32(c.slidingWindow ?? c.maxPositionEmbeddings)], ['attention.sliding_window_pattern', u32(period)]];
}

interface DecoderSpec {
  readonly graph: DecoderGraph;
  /** llama.cpp's graph rotates adjacent pairs (LLAMA_ROPE_TYPE_NORM): convert_hf_to_gguf permutes q/k rows. */
  readonly permute: boolean;
  /** Module names beyond DECODER_LAYER's, or replacing them. */
  readonly names?: Readonly<Record<string, string>>;
  readonly extraHparams?: (c: ModelConfig) => [string, GgufValue][];
  /** Further refusals only this architecture needs. */
  readonly check?: (c: ModelConfig) => void;
}

/** The graph of llama.cpp's llama: the baseline every other spec changes a few fields of. */
const LLAMA_GRAPH: DecoderGraph = {
  arch: 'llama',
  normPlacement: 'pre',
  qkNorm: 'none',
  hiddenAct: 'silu',
  embedScale: 'none',
  softcap: 'none',
  hiddenScaling: false,
  attentionScale: 'head-dim',
  outAndMlpBias: true,
  partialRotary: false,
  fused: false,
  moe: 'none',
  noRopeEvery: null,
  slidingWindow: 'none',
  untiedHead: true,
};
const graph = (g: Partial<DecoderGraph> & { arch: string }): DecoderGraph => ({ ...LLAMA_GRAPH, outAndMlpBias: false, ...g });

function decoderArch(spec: DecoderSpec): GgufArch {
  const layerNames = { ...DECODER_LAYER, ...spec.names };
  return {
    arch: spec.graph.arch,
    writesTiedOutput: false,
    hparams: (c) => [...decoderHparams(c), ...(spec.extraHparams?.(c) ?? [])],
    check(c) {
      spec.check?.(c);
      return checkDecoderGraph(c, spec.graph);
    },
    tensors(hfName, c) {
      const { layer, module, kind } = splitName(hfName);
      const global = layer === undefined ? DECODER_GLOBAL[module] : undefined;
      const parts = global ? [{ name: global }] : layer === undefined ? null : c.moe && EXPERTS[module] ? EXPERTS[module]! : layerNames[module] ? [{ name: layerNames[module]! }] : null;
      if (!parts) return null;
      // llama.cpp's NORM-rope graphs rotate adjacent pairs; HF rotates halves: convert_hf_to_gguf permutes q and k rows.
      const heads = !spec.permute ? undefined : module === 'self_attn.q_proj' ? c.heads : module === 'self_attn.k_proj' ? c.kvHeads : undefined;
      return parts.map((p): TensorMapping => {
        const name = layer === undefined ? `${p.name}.${kind}` : `blk.${layer}.${p.name}.${kind}`;
        const offset = c.norm.weightOffset !== 0 && p.name.endsWith('norm') ? c.norm.weightOffset : undefined;
        return { name, ...(layer === undefined ? {} : { layer }), ...(heads ? { permuteHeads: heads } : {}), ...(offset ? { offset } : {}), ...('rows' in p && p.rows ? { rows: p.rows } : {}) };
      });
    },
  };
}

const refuseUnscaledSlidingRope = (c: ModelConfig): void => {
  if (c.slidingRope && c.slidingRope.scaling.type !== 'default') throw new Error(`model_type "${c.modelType}": rope scaling on sliding layers (llama.cpp's gemma3 scales only the full-attention layers); not exported to GGUF`);
};

/**
 * The RoPE decoders GGUF export maps, by Hugging Face `model_type`, each with the llama.cpp graph it
 * runs in. Mistral and Mixtral convert as llama.cpp's `llama` (as convert_hf_to_gguf does); the
 * NEOX-rope graphs (Qwen, Gemma, Phi-3, OLMo 2) take HF's q/k rows as they are.
 */
export const DECODER_ARCHS: Readonly<Partial<Record<ModelConfig['modelType'], GgufArch>>> = {
  llama: decoderArch({ graph: LLAMA_GRAPH, permute: true }),
  mistral: decoderArch({ graph: LLAMA_GRAPH, permute: true }),
  mixtral: decoderArch({
    graph: { ...LLAMA_GRAPH, moe: 'normalized-top-k' },
    permute: true,
    // llama.cpp's llama sizes its experts by feed_forward_length.
    extraHparams: (c) => [['feed_forward_length', u32(c.moe!.expertIntermediate)]],
  }),
  qwen2: decoderArch({ graph: graph({ arch: 'qwen2' }), permute: false }),
  qwen3: decoderArch({ graph: graph({ arch: 'qwen3', qkNorm: 'head' }), permute: false }),
  qwen3_moe: decoderArch({
    graph: graph({ arch: 'qwen3moe', qkNorm: 'head', moe: 'normalized-top-k' }),
    permute: false,
    extraHparams: (c) => [['expert_feed_forward_length', u32(c.moe!.expertIntermediate)]],
  }),
  gemma: decoderArch({ graph: graph({ arch: 'gemma', hiddenAct: 'gelu_pytorch_tanh', embedScale: 'sqrt-hidden', untiedHead: false }), permute: false }),
  gemma2: decoderArch({
    graph: graph({ arch: 'gemma2', hiddenAct: 'gelu_pytorch_tanh', embedScale: 'sqrt-hidden', normPlacement: 'sandwich', softcap: 'gemma2', attentionScale: 'gemma', slidingWindow: 'period', untiedHead: false }),
    permute: false,
    names: SANDWICH_NORMS,
    extraHparams: (c) => [['attn_logit_softcapping', f32(c.softcap.attention!)], ['final_logit_softcapping', f32(c.softcap.final!)], ...slidingKeys(c)],
  }),
  gemma3_text: decoderArch({
    graph: graph({ arch: 'gemma3', hiddenAct: 'gelu_pytorch_tanh', embedScale: 'sqrt-hidden', normPlacement: 'sandwich', qkNorm: 'head', softcap: 'final-optional', attentionScale: 'gemma', slidingWindow: 'period' }),
    permute: false,
    names: SANDWICH_NORMS,
    check: refuseUnscaledSlidingRope,
    extraHparams: (c) => [
      ...(c.softcap.final === null ? [] : [['final_logit_softcapping', f32(c.softcap.final)] as [string, GgufValue]]),
      ...(c.layerTypes.includes('sliding_attention') ? slidingKeys(c) : []),
      ['rope.freq_base_swa', f32((c.slidingRope ?? c.rope!).theta)],
    ],
  }),
  phi3: decoderArch({ graph: graph({ arch: 'phi3', fused: true, partialRotary: true, slidingWindow: 'ignored' }), permute: false, names: PHI3_FUSED }),
  olmo2: decoderArch({ graph: graph({ arch: 'olmo2', normPlacement: 'post', qkNorm: 'projection' }), permute: false, names: POST_NORMS }),
  granite: decoderArch({
    graph: { ...LLAMA_GRAPH, arch: 'granite', embedScale: 'key', hiddenScaling: true, attentionScale: 'key' },
    permute: true,
    extraHparams: (c) => [
      ['logit_scale', f32(c.scaling.logitsDivisor)],
      ['residual_scale', f32(c.scaling.residual)],
      ['embedding_scale', f32(c.embedScale?.value ?? 1)],
      ['attention.scale', f32(c.attentionScale)],
    ],
  }),
  smollm3: decoderArch({ graph: graph({ arch: 'smollm3', noRopeEvery: 4 }), permute: true }),
};
