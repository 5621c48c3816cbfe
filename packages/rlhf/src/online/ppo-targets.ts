import type { KlEstimator } from './masked.js';

/**
 * PPO's per-token rewards, GAE advantages and returns of one rollout batch, on the host, as TRL's
 * PPOTrainer computes them before its PPO epochs. All [B][T] arrays are over the response tokens.
 */
export interface PpoRollout {
  /** Sampled response ids, right-padded with `padTokenId` to one length T. */
  readonly responses: readonly (readonly number[])[];
  /** Per-token log-probs under the policy at rollout time, [B][T]. */
  readonly logprobs: readonly (readonly number[])[];
  /** Under the reference model, [B][T]. */
  readonly refLogprobs: readonly (readonly number[])[];
  /** Value predictions at rollout time, [B][T]. */
  readonly values: readonly (readonly number[])[];
  /** The reward model's score of each (truncated) response, [B]. */
  readonly scores: readonly number[];
}

export interface PpoTargetOptions {
  readonly padTokenId: number;
  readonly eosTokenId: number;
  /** Responses are cut after this token (TRL's `stop_token_id`; `stop_token: eos` is the EOS id); null keeps them whole. */
  readonly stopTokenId: number | null;
  /** Subtracted from the score of a response without EOS; null for none. */
  readonly missingEosPenalty: number | null;
  readonly klCoef: number;
  readonly klEstimator: KlEstimator;
  readonly whitenRewards: boolean;
  readonly gamma: number;
  readonly lam: number;
}

export interface PpoTargets {
  readonly advantages: number[][];
  readonly returns: number[][];
  /** 1 up to the last response token that counts (TRL's ~padding_mask). */
  readonly mask: number[][];
  /** The mask and one position more: where values are fit (TRL's ~padding_mask_p1). */
  readonly valueMask: number[][];
  /** Values with the positions outside `valueMask` zeroed. */
  readonly values: number[][];
  /** Scores after the missing-EOS penalty. */
  readonly scores: number[];
  /** −kl_coef · KL per token, [B][T]: TRL's `non_score_reward`. */
  readonly nonScoreReward: number[][];
  /** Mean over rows of the summed per-token KL estimate: TRL's `objective/kl`. */
  readonly meanKl: number;
}

const KL_OF: Readonly<Record<KlEstimator, (logr: number) => number>> = {
  k1: (logr) => -logr,
  k3: (logr) => Math.expm1(logr) - logr,
};

/** Mean and unbiased variance over the masked entries, whitened (TRL's masked_whiten). */
export function maskedWhiten(values: readonly (readonly number[])[], mask: readonly (readonly number[])[], shiftMean = true): number[][] {
  let sum = 0;
  let count = 0;
  values.forEach((row, b) => row.forEach((v, t) => mask[b][t] && ((sum += v), count++)));
  const mean = sum / count;
  let sq = 0;
  values.forEach((row, b) => row.forEach((v, t) => mask[b][t] && (sq += (v - mean) ** 2)));
  if (count < 2) throw new Error(`ppo: whitening needs at least two tokens, got ${count}; use a larger batch`);
  const variance = (sq / count) * (count / (count - 1));
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return values.map((row) => row.map((v) => (v - mean) * scale + (shiftMean ? 0 : mean)));
}

/** The response with every token after the first stop token replaced by padding (TRL's truncate_response). */
export function truncate(response: readonly number[], o: Pick<PpoTargetOptions, 'stopTokenId' | 'padTokenId'>): number[] {
  const stop = o.stopTokenId === null ? -1 : response.indexOf(o.stopTokenId);
  return response.map((id, t) => (stop >= 0 && t > stop ? o.padTokenId : id));
}

/** Index of the last response token that counts: one before the first pad. */
export function sequenceLength(truncated: readonly number[], o: Pick<PpoTargetOptions, 'padTokenId'>): number {
  const firstPad = truncated.indexOf(o.padTokenId);
  return (firstPad === -1 ? truncated.length : firstPad) - 1;
}

export function ppoTargets(r: PpoRollout, o: PpoTargetOptions): PpoTargets {
  const T = r.responses[0]?.length ?? 0;
  const truncated = r.responses.map((resp) => truncate(resp, o));
  const lengths = truncated.map((resp) => sequenceLength(resp, o));
  const scores = r.scores.map((s, b) => (o.missingEosPenalty !== null && !truncated[b].includes(o.eosTokenId) ? s - o.missingEosPenalty : s));
  const mask = lengths.map((len) => Array.from({ length: T }, (_, t) => (t > len ? 0 : 1)));
  const valueMask = lengths.map((len) => Array.from({ length: T }, (_, t) => (t > len + 1 ? 0 : 1)));
  const values = r.values.map((row, b) => row.map((v, t) => (valueMask[b][t] ? v : 0)));

  // Past a response's end both log-probs are TRL's INVALID_LOGPROB, so the estimate there is 0.
  const kl = r.logprobs.map((row, b) => row.map((lp, t) => (mask[b][t] ? KL_OF[o.klEstimator](r.refLogprobs[b][t] - lp) : 0)));
  const nonScoreReward = kl.map((row) => row.map((k) => -o.klCoef * k));
  let rewards = nonScoreReward.map((row, b) => {
    const out = [...row];
    const end = lengths[b] + 1 < T ? lengths[b] + 1 : lengths[b];
    out[end] += scores[b];
    return out;
  });
  if (o.whitenRewards) rewards = maskedWhiten(rewards, valueMask, false).map((row, b) => row.map((v, t) => (valueMask[b][t] ? v : 0)));

  const rawAdvantages = rewards.map((row, b) => {
    const out = new Array<number>(T).fill(0);
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      const next = t < T - 1 ? values[b][t + 1] : 0;
      const delta = row[t] + o.gamma * next - values[b][t];
      last = delta + o.gamma * o.lam * last;
      out[t] = last;
    }
    return out;
  });
  const returns = rawAdvantages.map((row, b) => row.map((a, t) => a + values[b][t]));
  const advantages = maskedWhiten(rawAdvantages, mask).map((row, b) => row.map((a, t) => (mask[b][t] ? a : 0)));
  const meanKl = kl.reduce((s, row) => s + row.reduce((x, k) => x + k, 0), 0) / Math.max(1, kl.length);
  return { advantages, returns, mask, valueMask, values, scores, nonScoreReward, meanKl };
}
