/**
 * Rewards to advantages on the host, as TRL 1.9 computes them after each rollout (no gradient
 * flows through any of it). A reward function may return null for a completion it does not judge;
 * such entries are NaN here and left out of every mean and deviation, as torch's nanmean does.
 */

/** What a reward function returns per completion. */
export type Reward = number | null;

export const SCALE_REWARDS = ['group', 'batch', 'none'] as const;
export type ScaleRewards = (typeof SCALE_REWARDS)[number];

/** Added to a deviation before dividing by it (TRL's constant). */
const STD_EPS = 1e-4;

export function nanMean(xs: readonly number[]): number {
  const live = xs.filter((x) => !Number.isNaN(x));
  return live.length ? live.reduce((s, x) => s + x, 0) / live.length : NaN;
}

/** Unbiased deviation ignoring NaN (TRL's `nanstd`); NaN with fewer than two values. */
export function nanStd(xs: readonly number[]): number {
  const live = xs.filter((x) => !Number.isNaN(x));
  if (live.length < 2) return NaN;
  const mean = nanMean(live);
  return Math.sqrt(live.reduce((s, x) => s + (x - mean) ** 2, 0) / (live.length - 1));
}

/**
 * Each completion's reward: Σ_f weight_f · reward_f over the functions that judged it; NaN when
 * none did (the completion is unscorable and gets advantage 0).
 */
export function combineRewards(perFunction: readonly (readonly Reward[])[], weights: readonly number[]): number[] {
  if (perFunction.length !== weights.length) throw new Error(`rewards: ${perFunction.length} reward functions but ${weights.length} weights`);
  const n = perFunction[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => {
    let sum = 0;
    let judged = false;
    perFunction.forEach((rewards, f) => {
      const r = rewards[i];
      if (r === null || Number.isNaN(r)) return;
      sum += weights[f] * r;
      judged = true;
    });
    return judged ? sum : NaN;
  });
}

/** Rows [0, G), [G, 2G), ...: the completions of one prompt. */
function groups(rewards: readonly number[], size: number): number[][] {
  if (size < 1 || rewards.length % size !== 0) throw new Error(`rewards: ${rewards.length} completions do not split into groups of ${size}`);
  return Array.from({ length: rewards.length / size }, (_, g) => rewards.slice(g * size, (g + 1) * size));
}

export interface GroupAdvantages {
  readonly advantages: number[];
  /** Fraction of completions whose scale (group or batch deviation) is zero: TRL's `frac_reward_zero_std`. */
  readonly fracZeroStd: number;
}

/**
 * GRPO: reward minus its group's mean, divided by the group's deviation (`group`), the whole
 * batch's (`batch`) or nothing (`none`), plus 1e-4. Unscorable completions get 0.
 */
export function groupAdvantages(rewards: readonly number[], numGenerations: number, scale: ScaleRewards): GroupAdvantages {
  const grouped = groups(rewards, numGenerations);
  const means = grouped.flatMap((g) => g.map(() => nanMean(g)));
  const batchStd = rewards.length > 1 ? nanStd(rewards) : 0;
  const stds = scale === 'batch' ? rewards.map(() => batchStd) : grouped.flatMap((g) => g.map(() => (numGenerations > 1 ? nanStd(g) : 0)));
  const advantages = rewards.map((r, i) => {
    const centred = r - means[i];
    const a = scale === 'none' ? centred : centred / (stds[i] + STD_EPS);
    return Number.isNaN(a) ? 0 : a;
  });
  // torch.isclose(std, 0): |std| ≤ 1e-8; a NaN deviation (a single scorable completion) is not close.
  const zero = stds.filter((s) => Math.abs(s) <= 1e-8).length;
  return { advantages, fracZeroStd: zero / Math.max(1, rewards.length) };
}

/** How several reward functions become one advantage (TRL's `multi_objective_aggregation`). */
export const MULTI_OBJECTIVE_AGGREGATIONS = ['sum_then_normalize', 'normalize_then_sum'] as const;
export type MultiObjectiveAggregation = (typeof MULTI_OBJECTIVE_AGGREGATIONS)[number];

/**
 * `normalize_then_sum` (GDPO): each function's rewards are centred and scaled within their group
 * first, so no function outweighs the others by its range; their weighted sum is then centred and
 * scaled over the whole batch (`scale_rewards` plays no part). A function's NaN (unjudged, or
 * normalised in a group where it judged fewer than two) adds nothing to the sum; a completion no
 * function judged gets 0. `fracZeroStd` is 1 when the batch deviation is zero.
 */
export function normalizeThenSumAdvantages(perFunction: readonly (readonly Reward[])[], weights: readonly number[], numGenerations: number): GroupAdvantages {
  if (perFunction.length !== weights.length) throw new Error(`rewards: ${perFunction.length} reward functions but ${weights.length} weights`);
  const raw = perFunction.map((rewards) => rewards.map((r) => (r === null ? NaN : r)));
  const normalised = raw.map((rewards) =>
    groups(rewards, numGenerations).flatMap((g) => {
      const [mean, std] = [nanMean(g), nanStd(g)];
      return g.map((r) => (r - mean) / (std + STD_EPS));
    }),
  );
  const n = raw[0]?.length ?? 0;
  // Not combineRewards over the normalised values: a completion some function judged stays
  // scorable (a sum of 0) even where every normalised value is NaN, as TRL's nansum leaves it.
  const summed = Array.from({ length: n }, (_, i) => {
    if (raw.every((rewards) => Number.isNaN(rewards[i]))) return NaN;
    return normalised.reduce((sum, values, f) => sum + (Number.isNaN(values[i]) ? 0 : weights[f] * values[i]), 0);
  });
  const [mean, std] = [nanMean(summed), n > 1 ? nanStd(summed) : 0];
  const advantages = summed.map((r) => {
    const a = (r - mean) / (std + STD_EPS);
    return Number.isNaN(a) ? 0 : a;
  });
  return { advantages, fracZeroStd: Math.abs(std) <= 1e-8 ? 1 : 0 };
}

/**
 * RLOO: reward minus the mean of the other scorable completions of its prompt; optionally
 * normalised over the batch (`normalize_advantages`). Unscorable ones, and a group's only
 * scorable one, get 0.
 */
export function leaveOneOutAdvantages(rewards: readonly number[], numGenerations: number, normalize: boolean): number[] {
  let advantages = groups(rewards, numGenerations).flatMap((g) => {
    if (numGenerations === 1) return g.map(() => 0);
    const live = g.filter((r) => !Number.isNaN(r));
    const sum = live.reduce((s, r) => s + r, 0);
    return g.map((r) => r - (sum - r) / (live.length - 1));
  });
  if (normalize) {
    const mean = nanMean(advantages);
    const std = nanStd(advantages);
    advantages = advantages.map((a) => (a - mean) / (std + STD_EPS));
  }
  return advantages.map((a) => (Number.isFinite(a) ? a : 0));
}
