import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { type AdapterHandle, LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { type OnlineContext, adapterReference } from './online-context.js';
import type { NamedRewardFunction } from './reward-functions.js';

export const VOCAB = 64;
/** EOS of the tiny model's generation settings (no tokenizer: ids only). */
export const EOS = 2;

/** A tiny random Llama with LoRA (r 4) on every linear layer; weights large enough that sampling is not uniform. */
export function tinyPolicy(seed = 3): { model: CausalLM; adapter: AdapterHandle } {
  const model = tinyModel(seed);
  const adapter = LORA_METHOD.apply(model, parseLoraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: 'all-linear' }), { seed });
  return { model, adapter };
}

/** The tiny random Llama alone, for another method to adapt. */
export function tinyModel(seed = 3): CausalLM {
  const config = parseModelConfig({
    ...tinyConfigJson({ arch: 'llama', hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: VOCAB }),
    initializer_range: 0.3,
    eos_token_id: EOS,
    pad_token_id: 0,
  });
  return createModel(config, { seed }).nameParameters();
}

/** Prompts of 2 to 5 ids, each with an `target` column: the id its completion should repeat. */
export function tinyPrompts(count: number): PromptRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const promptIds = Array.from({ length: 2 + (i % 4) }, (_, k) => 3 + ((i * 7 + k * 5) % (VOCAB - 3)));
    return { prompt: `prompt ${i}`, promptIds, columns: { target: 10 + (i % 3) }, source: { file: 'tiny', line: i + 1 } };
  });
}

/** The fraction of a completion's ids equal to its prompt's `target`: a verifiable reward without a tokenizer. */
export const hitsTarget: NamedRewardFunction = {
  name: 'hitsTarget',
  fn: ({ completionIds, target }) => completionIds.map((ids, i) => (ids.length ? ids.filter((id) => id === target[i]).length / ids.length : 0)),
};

/** Async and partial: judges only even-length completions, returns null for the rest. */
export const evenLength: NamedRewardFunction = {
  name: 'evenLength',
  fn: async ({ completionIds }) => completionIds.map((ids) => (ids.length % 2 === 0 ? 1 : null)),
};

export function onlineContext(policy: { model: CausalLM; adapter: AdapterHandle }, executor: Executor, over: Partial<OnlineContext> = {}): OnlineContext {
  return {
    model: policy.model,
    executor,
    generationConfig: { eos_token_id: EOS, pad_token_id: 0 },
    reference: adapterReference(policy.model, (fn) => policy.adapter.disableAdapter(fn)),
    // Rollouts sample with the adapter merged, as a run does.
    ...(policy.adapter.withMergedAdapter ? { withMergedAdapter: policy.adapter.withMergedAdapter.bind(policy.adapter) } : {}),
    prompts: tinyPrompts(8),
    rewardFunctions: [hitsTarget],
    training: { per_device_train_batch_size: 4, gradient_accumulation_steps: 2, seed: 42 },
    ...over,
  };
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'tunekit-grpo-'));
