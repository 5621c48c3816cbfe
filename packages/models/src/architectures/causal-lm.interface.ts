import type { Module, Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { VirtualTokens } from './virtual-tokens.js';

/** One layer's keys and values, [B, Hkv, S, D] (heads not repeated for grouped-query attention). */
export interface KvEntry {
  readonly k: Tensor;
  readonly v: Tensor;
}

/** Per-layer keys and values of positions already processed. */
export type KvCache = readonly KvEntry[];

export interface ForwardOptions {
  /** [B, T] or [1, T] i64 positions; default P..P+T-1 where P is the cached length. */
  positionIds?: Tensor;
  /**
   * Which keys each query may see (true = may attend), on top of causality: a key padding mask
   * [B, S] or a full mask [B, 1, T, S] (packing), where S = P + T. Non-bool masks count non-zero as true.
   */
  attentionMask?: Tensor;
  /** Keys and values of the P positions before these T, as returned in `present`. */
  past?: KvCache;
  /**
   * [T] i64 cache slots of these T positions (transformers' `cache_position`), where they are not
   * P..P+T-1: a decode step against a static cache of P slots, of which fewer are filled, gives the
   * slot its token takes. Sliding windows count slots from it; the new keys still come last in S.
   */
  cachePosition?: Tensor;
  /**
   * The traced graph will run at other sequence and past lengths than these (an ONNX export lowers
   * it with symbolic ones): what the traced lengths make unnecessary, such as a sliding window no
   * shorter than them, is built anyway, from positions the graph computes at run time.
   */
  symbolicLengths?: boolean;
  /**
   * Logits of the last N positions only (transformers' `logits_to_keep`; 0 or absent = all): the
   * head, the costliest product of a prefill, then runs on N rows instead of T.
   */
  logitsToKeep?: number;
  /**
   * Virtual tokens in front of this sequence (see `VirtualTokens`), instead of the model's installed
   * source; null for none. Only where a sequence starts: with `past` the cache already holds them.
   * Positions and masks given alongside describe the tokens alone.
   */
  virtualTokens?: VirtualTokens | null;
}

/** What an architecture's layers compute before the head. */
export interface HiddenStates {
  /** [B, n + T, H], virtual embeddings first. */
  readonly hidden: Tensor;
  readonly present: KvEntry[];
  /** Per mixture-of-experts layer, its [B·(n + T), E] router logits. */
  readonly routerLogits?: readonly Tensor[];
}

export interface CausalLMOutput {
  /** [B, T, V] next-token logits, f32. */
  readonly logits: Tensor;
  /** Per layer, keys and values of all S = P + T positions (virtual ones first), to feed back as `past`. */
  readonly present: KvEntry[];
  /**
   * Mixture-of-experts models: each MoE layer's router logits [B·T, E] (transformers'
   * `router_logits`), for `loadBalancingLoss`.
   */
  readonly routerLogits?: readonly Tensor[];
}

/**
 * A causal language model traced from Hugging Face-named modules. Call it through `call()` (which
 * runs `forward` in the module's scope) or through `loss()`.
 */
export interface CausalLM extends Module {
  readonly config: ModelConfig;
  forward(inputIds: Tensor, opts?: ForwardOptions): CausalLMOutput;
  /**
   * Mean next-token cross-entropy as transformers computes it: `labels` [B, T] are aligned with
   * `inputIds` (usually equal to them, with -100 where no loss is wanted) and shifted inside, so
   * logits at t are scored against labels at t + 1.
   */
  loss(inputIds: Tensor, labels: Tensor, opts?: ForwardOptions): Tensor;
  /** Recompute each layer in the backward pass instead of keeping its activations. */
  setGradientCheckpointing(enabled: boolean): void;
}
