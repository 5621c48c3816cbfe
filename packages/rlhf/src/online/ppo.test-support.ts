import { Rng } from '@tunekit/core';
import { SequenceClassificationModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { EOS, VOCAB } from './online.test-support.js';
import type { PpoModels } from './ppo.task.js';

/** A tiny random one-label Llama classifier on the tiny policy's vocabulary (pad id 0). */
export function tinyClassifier(seed: number): SequenceClassificationModel {
  const config = parseModelConfig({
    ...tinyConfigJson({ arch: 'llama', hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: VOCAB }),
    architectures: ['LlamaForSequenceClassification'],
    initializer_range: 0.3,
    eos_token_id: EOS,
    pad_token_id: 0,
  });
  return new SequenceClassificationModel(config, 1, { dtype: 'f32', rng: new Rng(seed) });
}

/** A reward model and a value model initialised from the same weights, as TRL loads both from reward_model_path. */
export const tinyPpoModels = (seed = 11): PpoModels => ({ reward: tinyClassifier(seed), value: tinyClassifier(seed) });
