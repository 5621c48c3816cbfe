import { HostTensor } from '@tunekit/core';
import { ROLLOUT_FEEDS, tracePolicy } from './policy-logps.js';
import { type RolloutLayout, rowTokens } from './rollout-layout.js';
import { takeRows } from './rollout-rows.js';
import { inputOf } from './traced-input.js';

/**
 * Every row as its whole prompt + completion sequence (`rolloutRows`): the policy runs once per
 * row over all of it. PPO's value model reads these sequences too.
 */
export const FULL_ROWS_LAYOUT: RolloutLayout = {
  layOut: (rollout, rows) => ({
    size: rows.inputIds.shape[0],
    rowTokens: rowTokens(rollout),
    // Position t scores the row's token t + 1, so completion token j (at p + j) is scored at p + j − 1.
    completionTokens: (values) => {
      const [n, length] = rows.inputIds.shape;
      const out = HostTensor.zeros('f32', [n, length]);
      rollout.completionIds.forEach((c, row) => c.forEach((_, j) => (out.data[row * length + rollout.promptIds[row].length + j - 1] = values[row][j])));
      return out;
    },
    // sequenceLogps' mask: the completion mask shifted left by one.
    tokenMask: () => {
      const [n, length] = rows.inputIds.shape;
      const out = HostTensor.zeros('f32', [n, length]);
      for (let row = 0; row < n; row++) for (let t = 0; t + 1 < length; t++) out.data[row * length + t] = rows.completionMask.data[row * length + t + 1];
      return out;
    },
    feeds: (picked) => ({
      [ROLLOUT_FEEDS.inputIds]: takeRows(rows.inputIds, picked),
      [ROLLOUT_FEEDS.attentionMask]: takeRows(rows.attentionMask, picked),
      [ROLLOUT_FEEDS.completionMask]: takeRows(rows.completionMask, picked),
    }),
  }),
  trace: (model, feeds: Readonly<Record<string, HostTensor>>, temperature) => {
    const inputs = {
      inputIds: inputOf(ROLLOUT_FEEDS.inputIds, feeds[ROLLOUT_FEEDS.inputIds]),
      attentionMask: inputOf(ROLLOUT_FEEDS.attentionMask, feeds[ROLLOUT_FEEDS.attentionMask]),
      completionMask: inputOf(ROLLOUT_FEEDS.completionMask, feeds[ROLLOUT_FEEDS.completionMask]),
    };
    return { policy: tracePolicy(model, inputs, temperature), inputs };
  },
};
