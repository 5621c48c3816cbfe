import { type Executor, type Program, Tensor } from '@tunekit/core';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import type { KvCacheShape } from './kv-cache.js';

/** Graph input names, shared by both programs so one feed builder serves them. */
export const INPUT_IDS = 'input_ids';
export const POSITION_IDS = 'position_ids';
export const ATTENTION_MASK = 'attention_mask';
export const CACHE_POSITION = 'cache_position';
export const pastName = (layer: number, which: 'k' | 'v'): string => `past_${which}_${layer}`;

/**
 * logits[:, -1, :] as [B, V], from a forward asked for the last position's logits only: the head
 * on every prompt position would be the costliest product of a prefill (T·H·V multiply-adds for
 * one used row), whatever follows the head's matmul (soft caps, divisors).
 */
function lastPositionLogits(logits: Tensor): Tensor {
  return logits.reshape(logits.dim(0), logits.dim(2));
}

export interface PrefillTrace {
  /** Last-position logits, then each layer's keys and values: what the program outputs. */
  readonly outputs: readonly Tensor[];
  /** Key/value heads and head size, as the model's cache entries have them. */
  readonly kvHeads: number;
  readonly headDim: number;
  /** Cache slots the prefill fills: the padded prompt, after any virtual tokens the model puts first. */
  readonly slots: number;
}

/**
 * [B, P] prompts → last-position logits [B, V], then each layer's keys and values [B, Hkv, n + P, D]
 * (n virtual tokens of a prompt-learning method first, 0 without one). Traced only: compile
 * `outputs` once the cache layout it implies has been checked.
 */
export function tracePrefill(model: CausalLM, batch: number, length: number): PrefillTrace {
  const input = (name: string, dtype: 'i64' | 'bool') => Tensor.input(name, [batch, length], dtype);
  const { logits, present } = model.call(input(INPUT_IDS, 'i64'), {
    positionIds: input(POSITION_IDS, 'i64'),
    attentionMask: input(ATTENTION_MASK, 'bool'),
    logitsToKeep: 1,
  });
  const [, kvHeads, slots, headDim] = present[0].k.shape;
  return { outputs: [lastPositionLogits(logits), ...present.flatMap((e) => [e.k, e.v])], kvHeads, headDim, slots };
}

/**
 * One token per row attending to the whole static cache plus itself (mask [B, capacity + 1]) →
 * logits [B, V] (or what `head` makes of them: sampling probabilities), then each layer's keys
 * and values of that token only, [B, Hkv, 1, D].
 * With one query, causality hides nothing; the mask alone hides empty slots and left padding, and
 * the token's cache slot (`cache_position`, [1]) places sliding windows (unused without them).
 */
export function decodeProgram(model: CausalLM, executor: Executor, cache: KvCacheShape, head: (logits: Tensor) => Tensor = (l) => l): Program {
  const { batch, layers, heads, capacity, headDim } = cache;
  const slot = (layer: number, which: 'k' | 'v') => Tensor.input(pastName(layer, which), [batch, heads, capacity, headDim]);
  const past = Array.from({ length: layers }, (_, i) => ({ k: slot(i, 'k'), v: slot(i, 'v') }));
  const { logits, present } = model.call(Tensor.input(INPUT_IDS, [batch, 1], 'i64'), {
    positionIds: Tensor.input(POSITION_IDS, [batch, 1], 'i64'),
    attentionMask: Tensor.input(ATTENTION_MASK, [batch, capacity + 1], 'bool'),
    cachePosition: Tensor.input(CACHE_POSITION, [1], 'i64'),
    past,
    logitsToKeep: 1,
  });
  // present is [cache ‖ new]; only the new slot leaves the program, so the host copies one
  // position per head instead of the whole cache.
  const newSlots = present.flatMap((e) => [e.k.slice(2, capacity), e.v.slice(2, capacity)]);
  return executor.compile([head(lastPositionLogits(logits)), ...newSlots]);
}
