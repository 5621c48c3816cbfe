import type { Module } from '@tunekit/core';
import { configFileErrors, readAdapterConfigFile } from '../peft/adapter-files.js';
import { PromptLearningAdapter } from '../prompt-learning/prompt-learning.adapter.js';
import { readPromptEmbeddings, writePromptLearningAdapter } from '../prompt-learning/prompt-learning.io.js';
import { parsePromptTuningConfig, toPeftJson } from './prompt-tuning.config.js';
import { PROMPT_TUNING, type PromptTuningAdapter, buildPromptEmbedding } from './prompt-tuning.model.js';

/**
 * Writes the adapter as PEFT's save_pretrained does: adapter_config.json (inference_mode true) and
 * `prompt_embeddings` [num_virtual_tokens, token_dim], the embedding rows themselves.
 */
export async function savePromptTuning(adapter: PromptTuningAdapter, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const json = toPeftJson(adapter.config, opts.baseModel ?? adapter.config.base_model_name_or_path);
  await writePromptLearningAdapter(dir, json, adapter.encoder.embedding.weight.value);
}

/**
 * Loads a prompt-tuning adapter saved by PEFT or TuneKit onto `model`. The rows are read and checked
 * before anything is installed, so a bad folder leaves the model as it was. Frozen unless
 * `trainable` (PEFT refuses to train a loaded prompt; here its rows simply train on).
 */
export async function loadPromptTuning(model: Module, dir: string, opts: { trainable?: boolean } = {}): Promise<PromptTuningAdapter> {
  const config = await readAdapterConfigFile(dir, (raw) => parsePromptTuningConfig(raw, { fromPeftFile: true }));
  const built = configFileErrors(dir, () => buildPromptEmbedding(model, { ...config, inference_mode: true }));
  await readPromptEmbeddings(dir, built.encoder.embedding.weight);
  return new PromptLearningAdapter(PROMPT_TUNING, built.model, built.config, built.encoder, { trainable: opts.trainable ?? false });
}
