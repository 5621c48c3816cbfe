import type { HostTensor } from '@tunekit/core';
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
