import { type FloatDType, Rng } from '@tunekit/core';
import { join } from 'node:path';
import { SequenceClassificationModel } from '../architectures/sequence-classification.model.js';
import { parseNumLabels } from '../config/model-head.js';
import { readModelConfig } from './load-model.js';
import { loadWeights } from './load-weights.js';

export interface LoadSequenceClassifierOptions {
  /** Storage dtype of the parameters (default f32); compute is f32 either way. */
  dtype?: FloatDType;
}

/**
 * Loads a `<Arch>ForSequenceClassification` folder (its config's `architectures` says so): the
 * backbone's weights under their transformers names and `score.weight`, with `num_labels` from the
 * config (1 for a reward model).
 */
export async function loadSequenceClassifier(dir: string, opts: LoadSequenceClassifierOptions = {}): Promise<SequenceClassificationModel> {
  const dtype = opts.dtype ?? 'f32';
  const config = await readModelConfig(dir, 'sequence-classification');
  const model = new SequenceClassificationModel(config, parseNumLabels(config.raw, join(dir, 'config.json')), { dtype, rng: new Rng(0), empty: true });
  await loadWeights(model, dir, dtype);
  return model;
}
