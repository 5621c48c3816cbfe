import type { Parameter } from '@tunekit/core';
import type { ArchFamily, ModelConfig } from '../config/model-config.js';
import { expertKeyTarget } from './expert-keys.js';

interface KeyRules {
  /** The backbone prefix, absent from checkpoints saved from the bare backbone (GPT2Model, LlamaModel). */
  readonly prefix: string;
  /** Non-parameter buffers some checkpoints carry (causal masks, RoPE tables): rebuilt, never loaded. */
  readonly ignored: readonly RegExp[];
  /** The output head's weight, dropped when the head is tied to the embedding. */
  readonly head: string;
}

const KEY_RULES: Record<ArchFamily, KeyRules> = {
  llama: { prefix: 'model.', ignored: [/(^|\.)rotary_emb\.inv_freq$/], head: 'lm_head.weight' },
  gpt2: { prefix: 'transformer.', ignored: [/(^|\.)attn\.(masked_)?bias$/], head: 'lm_head.weight' },
  // Older GPT-NeoX checkpoints carry each layer's causal mask and rotary table.
  gpt_neox: { prefix: 'gpt_neox.', ignored: [/(^|\.)attention\.(masked_)?bias$/, /(^|\.)rotary_emb\.inv_freq$/], head: 'embed_out.weight' },
};

export type KeyTarget =
  | { readonly kind: 'param'; readonly name: string }
  /** A slice of a packed parameter (one expert's projection): `shape` elements from flat `offset`. */
  | { readonly kind: 'part'; readonly name: string; readonly offset: number; readonly shape: readonly number[] }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'unexpected' };

/** Which parameter a checkpoint key fills, if any. `params` is keyed by `namedParameters()` names. */
export function resolveCheckpointKey(key: string, params: ReadonlyMap<string, Parameter>, config: ModelConfig): KeyTarget {
  const rules = KEY_RULES[config.family];
  for (const name of [key, rules.prefix + key]) if (params.has(name)) return { kind: 'param', name };
  const part = expertKeyTarget(key, config);
  if (part && params.has(part.name)) return { kind: 'part', ...part };
  if (rules.ignored.some((re) => re.test(key))) return { kind: 'ignore' };
  // A tied head is the embedding: transformers re-ties after loading and drops this copy too.
  if (config.tieWordEmbeddings && key === rules.head) return { kind: 'ignore' };
  return { kind: 'unexpected' };
}
