import type { Executor } from '@tunekit/core';
import { type CausalLM, type RawConfig, type TextTokenizer, generate } from '@tunekit/models';
import type { AccuracyMetric } from '../config/run-config.types.js';
import type { AccuracyItem } from './accuracy-items.js';

/** Whether a generated answer counts as right. */
export const ACCURACY_METRIC_RULES: Readonly<Record<AccuracyMetric, (prediction: string, reference: string) => boolean>> = {
  exact_match: (prediction, reference) => prediction.trim() === reference.trim(),
  contains: (prediction, reference) => prediction.includes(reference.trim()),
};

export interface ScoredExample {
  readonly source: string;
  readonly prompt: string;
  readonly reference: string;
  readonly prediction: string;
  readonly correct: boolean;
}

export interface TaskAccuracy {
  /** correct / total, in [0, 1]. */
  readonly accuracy: number;
  readonly correct: number;
  readonly total: number;
  readonly examples: readonly ScoredExample[];
}

export interface TaskAccuracyOptions {
  readonly metric: AccuracyMetric;
  readonly maxNewTokens: number;
  readonly batchSize: number;
  /** The model's generation_config.json: its EOS and pad ids end and fill rows. */
  readonly generationConfig: RawConfig | null;
  /** Called after each batch with the items scored so far and how many were right. */
  readonly onProgress?: (done: number, total: number, correct: number) => void;
}

/**
 * Task accuracy by greedy generation: each prompt is completed (in batches, left-padded) and the
 * decoded answer compared with the reference. Puts the model in eval mode, so dropout stays off.
 */
export async function taskAccuracy(
  model: CausalLM,
  executor: Executor,
  tokenizer: TextTokenizer,
  items: readonly AccuracyItem[],
  options: TaskAccuracyOptions,
): Promise<TaskAccuracy> {
  model.train(false);
  const matches = ACCURACY_METRIC_RULES[options.metric];
  const examples: ScoredExample[] = [];
  for (let at = 0; at < items.length; at += options.batchSize) {
    const batch = items.slice(at, at + options.batchSize);
    // Greedy and unpenalised whatever generation_config.json suggests: scores must not depend on sampling.
    const result = await generate(
      model,
      executor,
      batch.map((item) => item.promptIds),
      { tokenizer, generationConfig: options.generationConfig, maxNewTokens: options.maxNewTokens, doSample: false, repetitionPenalty: 1 },
    );
    batch.forEach((item, i) => {
      const prediction = result.texts[i];
      examples.push({ source: item.source, prompt: item.prompt, reference: item.reference, prediction, correct: matches(prediction, item.reference) });
    });
    options.onProgress?.(examples.length, items.length, examples.filter((e) => e.correct).length);
  }
  const correct = examples.filter((e) => e.correct).length;
  return { accuracy: correct / examples.length, correct, total: examples.length, examples };
}

/** `87.5%`: one decimal, as the run's last line prints it. */
export const formatPercent = (fraction: number): string => `${(100 * fraction).toFixed(1)}%`;
