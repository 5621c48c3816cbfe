import { type Executor, HostTensor, Tensor, takeTracedFeeds } from '@tunekit/core';
import type { SequenceClassificationModel } from '@tunekit/models';
import { type RolloutRows, takeRows } from './rollout-rows.js';

/**
 * A value model's prediction at every position of the rollout's rows, [N, L], without gradients,
 * `chunk` rows per forward pass: position p's value is the score head read at p (TRL's
 * `value_model.score(hidden_states)`), the value of the state that predicts token p + 1.
 */
export async function rowValues(model: SequenceClassificationModel, executor: Executor, rows: RolloutRows, chunk: number): Promise<HostTensor<'f32'>> {
  const [n, length] = rows.inputIds.shape;
  const out = HostTensor.zeros('f32', [n, length]);
  const wasTraining = model.training;
  model.train(false);
  try {
    for (let start = 0; start < n; start += chunk) {
      const picked = Array.from({ length: Math.min(chunk, n - start) }, (_, i) => start + i);
      const feeds = { value_input_ids: takeRows(rows.inputIds, picked), value_attention_mask: takeRows(rows.attentionMask, picked) };
      const values = model
        .tokenScores(Tensor.input('value_input_ids', feeds.value_input_ids.shape, 'i64'), { attentionMask: Tensor.input('value_attention_mask', feeds.value_attention_mask.shape, feeds.value_attention_mask.dtype) })
        .reshape(picked.length, length);
      const [host] = await executor.compile([values]).run({ ...feeds, ...takeTracedFeeds() });
      out.data.set(host.toFloat32(), start * length);
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}
