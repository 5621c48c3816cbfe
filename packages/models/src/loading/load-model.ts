import { type FloatDType, readJsonObject } from '@tunekit/core';
import { join } from 'node:path';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import { createModel } from '../architectures/create-model.js';
import type { RawConfig } from '../config/config-fields.js';
import { ModelConfigError } from '../config/config-error.js';
import { type ModelConfig, parseModelConfig } from '../config/model-config.js';
import { type ModelHead, modelHead } from '../config/model-head.js';
import { initializeWeights } from './init-weights.js';
import { type LoadWeightsOptions, loadWeights } from './load-weights.js';

export interface LoadModelOptions {
  /** Storage dtype of the parameters (default f32); compute is f32 either way. */
  dtype?: FloatDType;
  /**
   * Start from transformers' random initialisation instead of the folder's weights (pretraining
   * from scratch, `AutoModelForCausalLM.from_config`); the folder needs only config.json.
   */
  fromScratch?: { seed: number };
  /** Replaces modules while loading (see LoadWeightsOptions.prepare); ignored with fromScratch. */
  prepare?: LoadWeightsOptions['prepare'];
}

export interface LoadedModel {
  readonly model: CausalLM;
  readonly config: ModelConfig;
  /** generation_config.json as read, or null when the folder has none. */
  readonly generationConfig: RawConfig | null;
  readonly dir: string;
}

/** A folder's config.json, parsed; a checkpoint whose `architectures` names another head than `head` is refused. */
export async function readModelConfig(dir: string, head: ModelHead): Promise<ModelConfig> {
  const configPath = join(dir, 'config.json');
  const config = parseModelConfig(await readJsonObject(configPath), configPath);
  const named = modelHead(config.raw);
  if (named !== null && named !== head) {
    const loader = LOADERS[named];
    throw new ModelConfigError(configPath, 'architectures', `${String((config.raw.architectures as unknown[])[0])} is a ${named} model: load it with ${loader}`);
  }
  return config;
}

/** The function that loads each head, for the error that points a user to it. */
const LOADERS: Record<ModelHead, string> = { 'causal-lm': 'loadModel', 'sequence-classification': 'loadSequenceClassifier' };

/** Loads a Hugging Face model folder: config.json, generation_config.json, safetensors weights. */
export async function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const dtype = opts.dtype ?? 'f32';
  const config = await readModelConfig(dir, 'causal-lm');
  const generationConfig = await readJsonObject(join(dir, 'generation_config.json'), { optional: true });
  // Every weight is overwritten next (from the files or by the from-scratch init): don't draw values twice.
  const model = createModel(config, { dtype, empty: true });
  if (opts.fromScratch) initializeWeights(model, { seed: opts.fromScratch.seed, dtype });
  else await loadWeights(model, dir, dtype, { prepare: opts.prepare });
  return { model, config, generationConfig, dir };
}
