import { Embedding, HostTensor, Module, Rng } from '@tunekit/core';
import { type CausalLMBase, type TextTokenizer, type VirtualTokens, embeddingScale } from '@tunekit/models';
import { peftError } from '../peft/config-validation.js';
import type { PromptEncoder } from '../prompt-learning/prompt-encoder-dict.js';
import { PromptLearningAdapter, asCausalLM } from '../prompt-learning/prompt-learning.adapter.js';
import { resolvePromptLearning } from '../prompt-learning/prompt-learning.config.js';
import type { PromptTuningConfig, ResolvedPromptTuningConfig } from './prompt-tuning.config.js';

export const PROMPT_TUNING = 'prompt_tuning';

export type PromptTuningAdapter = PromptLearningAdapter<ResolvedPromptTuningConfig, PromptEmbedding>;

/**
 * PEFT's TEXT init ids: the tokenized text (special tokens included, as `tokenizer(text)` gives
 * them) cut to `total`, or repeated whole until it reaches `total` and then cut.
 */
export function initTokenIds(ids: readonly number[], total: number): number[] {
  if (ids.length === 0) throw peftError('prompt_tuning config', null, 'prompt_tuning_init_text encodes to no tokens');
  const reps = Math.ceil(total / ids.length);
  return Array.from({ length: reps }, () => ids).flat().slice(0, total);
}

/**
 * Rows `ids` of the model's input embedding as `get_input_embeddings()(ids)` gives them, f32
 * [ids.length, hidden]: Gemma 3's embedding module scales its rows by √hidden (Gemma 1/2 scale
 * later, in the model, the virtual embeddings too).
 */
function embeddingRows(model: CausalLMBase, ids: readonly number[]): HostTensor<'f32'> {
  const weight = model.inputEmbeddings().weight;
  const table = weight.value.toFloat32();
  const { hidden, vocab } = model.config;
  const scale = model.config.embedScale?.appliesTo === 'tokens' ? embeddingScale(model.config, weight.dtype) : null;
  const out = HostTensor.zeros('f32', [ids.length, hidden]);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new RangeError(`prompt_tuning: init token id ${id} is outside the model's vocabulary of ${vocab}`);
    const row = table.subarray(id * hidden, (id + 1) * hidden);
    out.data.set(scale === null ? row : row.map((v) => v * scale), i * hidden);
  });
  return out;
}

/**
 * PEFT's PromptEmbedding: one trainable row per virtual token, [n × submodules, token_dim], put in
 * front of the input embeddings. Rows are N(0, 1) as torch.nn.Embedding draws them.
 */
export class PromptEmbedding extends Module implements PromptEncoder {
  readonly embedding: Embedding;

  constructor(config: ResolvedPromptTuningConfig, opts: { rng: Rng; empty?: boolean }) {
    super();
    const total = config.num_virtual_tokens * config.num_transformer_submodules;
    this.embedding = this.module('embedding', new Embedding(total, config.token_dim, { rng: opts.rng, empty: opts.empty }));
  }

  forward(): VirtualTokens {
    return { embeds: this.t(this.embedding.weight).unsqueeze(0) };
  }
}

/**
 * The encoder for `config` on `model`, initialised as PEFT does for a new adapter (RANDOM, or the
 * model's embeddings of the init text), or left empty for a saved one (`inference_mode`) to fill.
 */
export function buildPromptEmbedding(
  model: Module,
  config: PromptTuningConfig,
  opts: { seed?: number; tokenizer?: TextTokenizer } = {},
): { model: CausalLMBase; config: ResolvedPromptTuningConfig; encoder: PromptEmbedding } {
  const lm = asCausalLM(model, PROMPT_TUNING);
  const resolved = resolvePromptLearning(config, lm.config, { tokenDim: lm.config.hidden, heads: lm.config.heads }, 'prompt_tuning config');
  const text = !resolved.inference_mode && resolved.prompt_tuning_init === 'TEXT';
  const encoder = new PromptEmbedding(resolved, { rng: new Rng(opts.seed ?? 0), empty: resolved.inference_mode || text });
  if (text) {
    if (!opts.tokenizer) throw new Error("prompt_tuning: prompt_tuning_init TEXT needs the model's tokenizer (apply(model, config, { tokenizer }))");
    const ids = initTokenIds(opts.tokenizer.encode(resolved.prompt_tuning_init_text!), encoder.embedding.numEmbeddings);
    encoder.embedding.weight.assign(embeddingRows(lm, ids));
  }
  return { model: lm, config: resolved, encoder };
}

/** Adapts `model` in place with a new prompt-tuning adapter (PEFT's get_peft_model). */
export function injectPromptTuning(model: Module, config: PromptTuningConfig, opts: { seed?: number; tokenizer?: TextTokenizer } = {}): PromptTuningAdapter {
  const built = buildPromptEmbedding(model, config, opts);
  return new PromptLearningAdapter(PROMPT_TUNING, built.model, built.config, built.encoder);
}
