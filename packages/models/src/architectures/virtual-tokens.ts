import type { Module, Tensor } from '@tunekit/core';
import type { KvCache } from './causal-lm.interface.js';

/**
 * Positions a prompt-learning method puts in front of every row (PEFT's prompt and prefix tuning).
 *
 * - `embeds` [1|B, n, hidden] go in front of the tokens' embeddings and run through every layer
 *   (prompt tuning); the model's logits stay those of the tokens, [B, T, V].
 * - `kv`, one entry per layer of [1|B, kvHeads, n, headDim], are keys and values every query sees
 *   before its own, exactly as a cache would hold them: no rotary or learned position is applied to
 *   them (prefix tuning).
 *
 * Either way they are always visible (masks get n leading ones), they take positions 0..n-1 and the
 * first n cache slots, and the tokens follow at positions n.. (given position ids move up by n): this
 * is where transformers puts tokens when PEFT hands it prompt embeddings or a prefix cache.
 */
export type VirtualTokens = { readonly embeds: Tensor; readonly kv?: undefined } | { readonly kv: KvCache; readonly embeds?: undefined };

/**
 * A module that supplies a model's virtual tokens, installed with `CausalLMBase.installVirtualTokens`.
 * The model calls it (in its own scope, so its parameters trace like any layer's) on every forward
 * that starts a sequence; null means none this time (an adapter switched off).
 */
export interface VirtualTokenSource extends Module {
  forward(): VirtualTokens | null;
}
