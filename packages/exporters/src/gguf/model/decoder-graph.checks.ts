import type { ModelConfig } from '@tunekit/models';

/**
 * What one llama.cpp decoder graph computes, as the ModelConfig values it hard-codes or reads from a
 * key. A config that differs is refused by field name: llama.cpp would load it and compute
 * something else.
 */
export interface DecoderGraph {
  readonly arch: string;
  /** Where the graph normalises (Gemma 2/3's four norms are `sandwich`, OLMo 2's `post`). */
  readonly normPlacement: ModelConfig['normPlacement'];
  readonly qkNorm: ModelConfig['qkNorm'];
  /** The FFN activation the graph applies (ggml's GELU is the tanh approximation). */
  readonly hiddenAct: string;
  /** Gemma's √hidden on the token embeddings is built in; Granite's multiplier is a key. */
  readonly embedScale: 'none' | 'sqrt-hidden' | 'key';
  /** Which tanh soft-caps the graph has: Gemma 2 both, Gemma 3 the final one when its key is set. */
  readonly softcap: 'none' | 'gemma2' | 'final-optional';
  /** Granite's residual and logits factors are keys; every other graph has neither. */
  readonly hiddenScaling: boolean;
  /** The graph's attention scale: 1/√head_dim, Gemma's rule, or a key (Granite). */
  readonly attentionScale: 'head-dim' | 'gemma' | 'key';
  /** Biases the graph adds besides q/k/v (which every graph's build_qkv adds when present). */
  readonly outAndMlpBias: boolean;
  /** Rotates only the first `partial_rotary_factor` of each head (rope.dimension_count). */
  readonly partialRotary: boolean;
  /** Phi-3's fused qkv_proj and gate_up_proj. */
  readonly fused: boolean;
  /** The mixture-of-experts form the graph has, with llama.cpp's top-k weight normalisation. */
  readonly moe: 'none' | 'normalized-top-k';
  /** NoPE layers: llama.cpp's SmolLM3 skips rotation on every 4th layer, a constant. */
  readonly noRopeEvery: number | null;
  /** Sliding-window attention: absent, a window on every `period`-th-but-last layer (Gemma 2/3), or ignored by llama.cpp. */
  readonly slidingWindow: 'none' | 'period' | 'ignored';
  /** Whether llama.cpp reads `output.weight` (false: the head is always token_embd). */
  readonly untiedHead: boolean;
}

const isqrt = (x: number): number => 1 / Math.sqrt(x);
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.abs(b);

/** llama.cpp's Gemma 2/3 scale: 1/√(hidden/heads) for the 27B sizes (46 or 62 layers), else 1/√head_dim. */
export function gemmaAttentionScale(c: ModelConfig): number {
  const is27b = (c.modelType === 'gemma2' && c.layers === 46) || (c.modelType === 'gemma3_text' && c.layers === 62);
  return isqrt(is27b ? Math.floor(c.hidden / c.heads) : c.headDim);
}

/**
 * The period p with layer i sliding exactly when i % p < p − 1 (llama.cpp's set_swa_pattern), or
 * null when no period gives the config's layer types.
 */
export function slidingPeriod(types: ModelConfig['layerTypes']): number | null {
  for (let p = 1; p <= types.length + 1; p++) if (types.every((t, i) => (t === 'sliding_attention') === (i % p < p - 1))) return p;
  return null;
}

/** Whether a sliding window is narrower than the context (so that it changes anything). */
export const windowMatters = (c: ModelConfig): boolean =>
  c.slidingWindow !== null && c.slidingWindow < c.maxPositionEmbeddings && c.layerTypes.includes('sliding_attention');

type Rule = (c: ModelConfig, g: DecoderGraph) => string | null;

/** Each rule names the config field whose value llama.cpp's graph does not compute. */
const RULES: readonly Rule[] = [
  (c, g) => (c.normPlacement === g.normPlacement ? null : `norm placement "${c.normPlacement}" (llama.cpp's ${g.arch} normalises "${g.normPlacement}")`),
  (c, g) => (c.qkNorm === g.qkNorm ? null : `q/k norm "${c.qkNorm}" (llama.cpp's ${g.arch} has "${g.qkNorm}")`),
  (c, g) => (c.hiddenAct === g.hiddenAct ? null : `hidden_act "${c.hiddenAct}" (llama.cpp's ${g.arch} applies ${g.hiddenAct})`),
  (c, g) => {
    if (g.embedScale === 'key') return null;
    const want = g.embedScale === 'sqrt-hidden' ? 'sqrt-hidden' : 'none';
    const has = c.embedScale === null ? 'none' : close(c.embedScale.value, Math.sqrt(c.hidden)) ? 'sqrt-hidden' : `${c.embedScale.value}`;
    return has === want ? null : `embedding scale ${has} (llama.cpp's ${g.arch} uses ${want})`;
  },
  (c, g) => {
    const { attention, final } = c.softcap;
    if (g.softcap === 'gemma2') return attention !== null && final !== null ? null : 'attn_logit_softcapping/final_logit_softcapping null (llama.cpp\'s gemma2 always caps both)';
    if (attention !== null) return `attn_logit_softcapping ${attention} (llama.cpp's ${g.arch} has no attention soft-cap)`;
    return final === null || g.softcap === 'final-optional' ? null : `final_logit_softcapping ${final} (llama.cpp's ${g.arch} has no logit soft-cap)`;
  },
  (c, g) => (g.hiddenScaling || (c.scaling.residual === 1 && c.scaling.logitsDivisor === 1) ? null : `residual_multiplier ${c.scaling.residual} / logits_scaling ${c.scaling.logitsDivisor} (llama.cpp's ${g.arch} has neither)`),
  (c, g) => {
    if (g.attentionScale === 'key') return null;
    const want = g.attentionScale === 'gemma' ? gemmaAttentionScale(c) : isqrt(c.headDim);
    return close(c.attentionScale, want) ? null : `attention scale ${c.attentionScale} (query_pre_attn_scalar / attention_multiplier; llama.cpp's ${g.arch} uses ${want})`;
  },
  (c, g) => (g.outAndMlpBias || (!c.attentionBias.o && !c.mlpBias) ? null : `o_proj/mlp biases (llama.cpp's ${g.arch} reads none)`),
  (c, g) => (g.partialRotary || !c.rope || c.rope.partialRotaryFactor === 1 ? null : `partial_rotary_factor ${c.rope.partialRotaryFactor} (llama.cpp's ${g.arch} rotates whole heads)`),
  (c, g) => (c.fusedProjections === g.fused ? null : `fused projections ${c.fusedProjections}`),
  (c, g) => {
    if (!c.moe) return g.moe === 'none' ? null : `no mixture-of-experts layers (llama.cpp's ${g.arch} expects them)`;
    if (g.moe === 'none') return `mixture-of-experts layers (llama.cpp's ${g.arch} has none)`;
    if (!c.moe.normTopKProb) return `norm_topk_prob false (llama.cpp's ${g.arch} renormalises the top-k weights)`;
    return c.moe.denseLayers.length ? `mlp_only_layers ${JSON.stringify(c.moe.denseLayers)} (llama.cpp's ${g.arch} has experts in every layer)` : null;
  },
  (c, g) => {
    const want = c.ropeLayers.map((_, i) => g.noRopeEvery === null || (i + 1) % g.noRopeEvery !== 0);
    return c.ropeLayers.every((r, i) => r === want[i]) ? null : `no_rope_layers ${JSON.stringify(c.ropeLayers.map(Number))} (llama.cpp's ${g.arch} ${g.noRopeEvery ? `skips rotation on every ${g.noRopeEvery}th layer` : 'rotates every layer'})`;
  },
  (c, g) => (g.slidingWindow !== 'period' || !windowMatters(c) || slidingPeriod(c.layerTypes) !== null ? null : `layer_types ${JSON.stringify(c.layerTypes)} (llama.cpp's ${g.arch} slides every layer but each period's last)`),
  (c, g) => (g.untiedHead || c.tieWordEmbeddings ? null : `tie_word_embeddings false (llama.cpp's ${g.arch} always uses token_embd as the head)`),
];

/** Throws on the first difference, naming it; returns the warnings (a window llama.cpp ignores). */
export function checkDecoderGraph(c: ModelConfig, g: DecoderGraph): string[] {
  for (const rule of RULES) {
    const refusal = rule(c, g);
    if (refusal) throw new Error(`model_type "${c.modelType}": ${refusal}; not exported to GGUF`);
  }
  if (g.slidingWindow !== 'period' && windowMatters(c)) {
    return [`sliding_window ${c.slidingWindow}: llama.cpp's ${g.arch} attends to the whole context, so outputs differ once a context is longer than ${c.slidingWindow} tokens`];
  }
  return [];
}
