import type { NormPlacement } from '../config/model-config.js';

export type Sublayer = 'attn' | 'mlp';

/** The norm on a sublayer's input and the one on its output (transformers' module names), either absent. */
export interface NormSlots {
  readonly before: string | null;
  readonly after: string | null;
}

/**
 * Where each placement normalises, by transformers' names. Llama's `post_attention_layernorm` is
 * the MLP's input norm; OLMo 2's (same name) normalises the attention output before the residual add.
 */
export const NORM_SLOTS: Record<NormPlacement, Record<Sublayer, NormSlots>> = {
  pre: { attn: { before: 'input_layernorm', after: null }, mlp: { before: 'post_attention_layernorm', after: null } },
  post: { attn: { before: null, after: 'post_attention_layernorm' }, mlp: { before: null, after: 'post_feedforward_layernorm' } },
};

/** Every norm name of a placement, in module order. */
export const normNames = (placement: NormPlacement): string[] =>
  (['attn', 'mlp'] as const).flatMap((s) => [NORM_SLOTS[placement][s].before, NORM_SLOTS[placement][s].after]).filter((n): n is string => n !== null);
