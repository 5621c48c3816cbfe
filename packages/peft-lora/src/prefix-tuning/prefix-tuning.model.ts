import { Embedding, HostTensor, Linear, Module, Rng, type Tensor } from '@tunekit/core';
import type { CausalLMBase, KvEntry, VirtualTokens } from '@tunekit/models';
import { matmul, transpose } from '../peft/host-math.js';
import type { PromptEncoder } from '../prompt-learning/prompt-encoder-dict.js';
import { PromptLearningAdapter, asCausalLM } from '../prompt-learning/prompt-learning.adapter.js';
import { resolvePromptLearning } from '../prompt-learning/prompt-learning.config.js';
import type { PrefixTuningConfig, ResolvedPrefixTuningConfig } from './prefix-tuning.config.js';

export const PREFIX_TUNING = 'prefix_tuning';

export type PrefixTuningAdapter = PromptLearningAdapter<ResolvedPrefixTuningConfig, PrefixEncoder>;

/** torch.nn.Sequential(Linear, Tanh, Linear): children `0` and `2`, as PEFT's `transform` names them. */
export class PrefixProjection extends Module {
  readonly first: Linear;
  readonly second: Linear;

  constructor(tokenDim: number, hidden: number, out: number, rng: Rng) {
    super();
    this.first = this.module('0', new Linear(tokenDim, hidden, { rng }));
    this.second = this.module('2', new Linear(hidden, out, { rng }));
  }

  forward(x: Tensor): Tensor {
    return this.second.call(this.first.call(x).tanh());
  }
}

/**
 * [n, layers·2·kvHeads·headDim] → per layer keys and values [1, kvHeads, n, headDim]: PEFT views
 * each virtual token's vector as [layers·2, heads, headDim], with layer l's keys at 2l and values
 * at 2l + 1 (`get_prompt`'s view, permute([2, 0, 3, 1, 4]) and split(2)).
 */
export function prefixToKv(flat: Tensor, layers: number, kvHeads: number, headDim: number): KvEntry[] {
  const n = flat.dim(0);
  const parts = flat.reshape(n, 2 * layers, kvHeads, headDim).permute(1, 2, 0, 3).split(1, 0);
  return Array.from({ length: layers }, (_, l) => ({ k: parts[2 * l], v: parts[2 * l + 1] }));
}

/**
 * PEFT's PrefixEncoder: every layer's key/value prefix, either trained directly or made by the
 * projection MLP from a smaller embedding. A loaded adapter (inference mode) holds the finished
 * prefix as its embedding, whatever `prefix_projection` says, as in PEFT.
 */
export class PrefixEncoder extends Module implements PromptEncoder {
  readonly embedding: Embedding;
  readonly transform: PrefixProjection | null;

  constructor(
    private readonly config: ResolvedPrefixTuningConfig,
    private readonly kv: { readonly layers: number; readonly heads: number; readonly headDim: number },
    opts: { rng: Rng; empty?: boolean },
  ) {
    super();
    const { num_virtual_tokens: n, token_dim: tokenDim, num_layers: layers } = config;
    const project = config.prefix_projection && !config.inference_mode;
    const width = project ? tokenDim : layers * 2 * tokenDim;
    this.embedding = this.module('embedding', new Embedding(n, width, { rng: opts.rng, empty: opts.empty }));
    this.transform = project ? this.module('transform', new PrefixProjection(tokenDim, config.encoder_hidden_size, layers * 2 * tokenDim, opts.rng)) : null;
  }

  /** [n, layers·2·token_dim]: the prefix as PEFT's `get_prompt` computes it. */
  prefix(): Tensor {
    const table = this.t(this.embedding.weight);
    return this.transform ? this.transform.call(table) : table;
  }

  forward(): VirtualTokens {
    return { kv: prefixToKv(this.prefix(), this.kv.layers, this.kv.heads, this.kv.headDim) };
  }

  /**
   * The prefix on the host, f32 [n, layers·2·token_dim]: what PEFT saves as `prompt_embeddings`
   * (`get_prompt_embedding_to_save`, the projection's output when there is one). Computed in f64.
   */
  prefixValues(): HostTensor<'f32'> {
    const { num_virtual_tokens: n, token_dim: tokenDim, num_layers: layers, encoder_hidden_size: hidden } = this.config;
    const embedding = this.embedding.weight.value.toFloat32();
    if (!this.transform) return HostTensor.f32([n, embedding.length / n], embedding);
    const out = layers * 2 * tokenDim;
    const affine = (x: ArrayLike<number>, linear: Linear, inF: number, outF: number) => {
      const y = matmul(x, transpose(linear.weight.value.toFloat32(), outF, inF), n, inF, outF);
      const bias = linear.bias!.value.toFloat32();
      for (let i = 0; i < y.length; i++) y[i] += bias[i % outF];
      return y;
    };
    const h = affine(embedding, this.transform.first, tokenDim, hidden).map(Math.tanh);
    return HostTensor.f32([n, out], affine(h, this.transform.second, hidden, out));
  }
}

/**
 * The encoder for `config` on `model`: kv heads × head size per layer and token (PEFT's grouped-query
 * adjustment of token_dim and num_attention_heads). Fresh weights as torch draws them (N(0, 1)
 * embedding, Linear's kaiming-uniform), or empty for a saved adapter (`inference_mode`) to fill.
 */
export function buildPrefixEncoder(model: Module, config: PrefixTuningConfig, opts: { seed?: number } = {}): { model: CausalLMBase; config: ResolvedPrefixTuningConfig; encoder: PrefixEncoder } {
  const lm = asCausalLM(model, PREFIX_TUNING);
  const { kvHeads, headDim, layers } = lm.config;
  const base = resolvePromptLearning(config, lm.config, { tokenDim: kvHeads * headDim, heads: kvHeads }, 'prefix_tuning config');
  const resolved = { ...base, encoder_hidden_size: base.encoder_hidden_size ?? base.token_dim };
  const encoder = new PrefixEncoder(resolved, { layers, heads: kvHeads, headDim }, { rng: new Rng(opts.seed ?? 0), empty: resolved.inference_mode });
  return { model: lm, config: resolved, encoder };
}

/** Adapts `model` in place with a new prefix-tuning adapter (PEFT's get_peft_model). */
export function injectPrefixTuning(model: Module, config: PrefixTuningConfig, opts: { seed?: number } = {}): PrefixTuningAdapter {
  const built = buildPrefixEncoder(model, config, opts);
  return new PromptLearningAdapter(PREFIX_TUNING, built.model, built.config, built.encoder);
}
