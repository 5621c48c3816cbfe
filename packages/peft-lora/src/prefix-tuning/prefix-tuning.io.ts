import type { Module } from '@tunekit/core';
import { configFileErrors, readAdapterConfigFile } from '../peft/adapter-files.js';
import { peftError } from '../peft/config-validation.js';
import { PromptLearningAdapter } from '../prompt-learning/prompt-learning.adapter.js';
import { readPromptEmbeddings, writePromptLearningAdapter } from '../prompt-learning/prompt-learning.io.js';
import { parsePrefixTuningConfig, toPeftJson } from './prefix-tuning.config.js';
import { PREFIX_TUNING, type PrefixTuningAdapter, buildPrefixEncoder } from './prefix-tuning.model.js';

/**
 * Writes the adapter as PEFT's save_pretrained does: adapter_config.json (inference_mode true) and
 * `prompt_embeddings` [num_virtual_tokens, layers·2·token_dim], the finished prefix. With
 * prefix_projection that is the projection's output, not the embedding and MLP behind it (PEFT
 * saves only `get_prompt_embedding_to_save`), so a saved projected adapter is for inference.
 */
export async function savePrefixTuning(adapter: PrefixTuningAdapter, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const json = toPeftJson(adapter.config, opts.baseModel ?? adapter.config.base_model_name_or_path);
  await writePromptLearningAdapter(dir, json, adapter.encoder.prefixValues());
}

/**
 * Loads a prefix-tuning adapter saved by PEFT or TuneKit onto `model`; the prefix is read and
 * checked before anything is installed. Frozen unless `trainable`, which a projected prefix cannot be.
 */
export async function loadPrefixTuning(model: Module, dir: string, opts: { trainable?: boolean } = {}): Promise<PrefixTuningAdapter> {
  const config = await readAdapterConfigFile(dir, (raw) => parsePrefixTuningConfig(raw, { fromPeftFile: true }));
  configFileErrors(dir, () => {
    if (opts.trainable && config.prefix_projection) {
      throw peftError('prefix_tuning', null, 'a saved prefix_projection adapter holds only the projected prefix, not the embedding and MLP that made it, so it cannot train on; load it frozen, or resume from a TuneKit checkpoint');
    }
  });
  const built = configFileErrors(dir, () => buildPrefixEncoder(model, { ...config, inference_mode: true }));
  await readPromptEmbeddings(dir, built.encoder.embedding.weight);
  return new PromptLearningAdapter(PREFIX_TUNING, built.model, built.config, built.encoder, { trainable: opts.trainable ?? false });
}
