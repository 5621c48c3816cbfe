import { nanMean, nanStd, type Reward } from './advantages.js';
import type { Rollout } from './rollout.js';

/**
 * What TRL logs about each rollout, by its names: the combined reward's mean and deviation, each
 * function's, the share of completions whose group had no spread, and completion lengths (all,
 * and of those that ended with EOS) with the share cut off at max_completion_length. The task adds
 * the timings (`OnlineTask.timings`).
 */
export function rolloutMetrics(rollout: Rollout, perFunction: readonly (readonly Reward[])[], names: readonly string[], rewards: readonly number[], fracZeroStd: number): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((name, f) => {
    const values = perFunction[f].map((r) => (r === null ? NaN : r));
    out[`rewards/${name}/mean`] = nanMean(values);
    out[`rewards/${name}/std`] = nanStd(values);
  });
  out.reward = nanMean(rewards);
  out.reward_std = nanStd(rewards);
  out.frac_reward_zero_std = fracZeroStd;
  const lengths = rollout.completionIds.map((c) => c.length);
  const terminated = lengths.filter((_, i) => !rollout.truncated[i]);
  Object.assign(out, lengthStats('', lengths), lengthStats('terminated_', terminated));
  out['completions/clipped_ratio'] = rollout.truncated.filter(Boolean).length / Math.max(1, lengths.length);
  return out;
}

/** Mean, min and max; 0 for an empty list, as TRL logs when every completion was truncated. */
function lengthStats(prefix: string, lengths: readonly number[]): Record<string, number> {
  const some = lengths.length > 0;
  return {
    [`completions/mean_${prefix}length`]: some ? lengths.reduce((s, x) => s + x, 0) / lengths.length : 0,
    [`completions/min_${prefix}length`]: some ? Math.min(...lengths) : 0,
    [`completions/max_${prefix}length`]: some ? Math.max(...lengths) : 0,
  };
}
