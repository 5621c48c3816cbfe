import { type Batch, type Executor, type HostTensor, Tensor, type TrainDataSource, takeTracedFeeds } from '@tunekit/core';
import type { CausalLM, SequenceClassificationModel } from '@tunekit/models';
import { rowsOf, sequenceLogps } from '../common/sequence-logps.js';

/** Traces the rewards [B] of a paired batch's chosen and rejected answers (rows 0..B-1 and B..2B-1). */
export type PairScorer = (batch: Batch) => { readonly chosen: Tensor; readonly rejected: Tensor };

const input = (batch: Batch, name: string): Tensor => {
  const t: HostTensor | undefined = batch.tensors[name];
  if (!t) throw new Error(`preference pairs: a batch needs ${name}, got [${Object.keys(batch.tensors).join(', ')}]`);
  return Tensor.input(name, t.shape, t.dtype);
};

/** Rows 0..B-1 are the chosen answers, B..2B-1 the rejected ones. */
const halves = (x: Tensor) => {
  const rows = x.shape[0];
  if (rows % 2 !== 0) throw new Error(`preference pairs: a paired batch has chosen and rejected rows, an even number; got ${rows}`);
  return { chosen: rowsOf(x, 0, rows / 2), rejected: rowsOf(x, rows / 2, rows / 2) };
};

/** A reward model's scores: the classifier read at each row's last non-pad token. */
export function rewardModelScorer(model: SequenceClassificationModel): PairScorer {
  return (batch) => {
    const ids = input(batch, 'input_ids');
    return halves(model.call(ids, { attentionMask: input(batch, 'attention_mask') }).reshape(ids.shape[0]));
  };
}

/**
 * DPO's implicit reward of each answer, β·(log π(y|x) − log π_ref(y|x)), the log-probs summed over
 * the completion tokens (as TRL's `rewards/chosen` and `rewards/rejected`).
 */
export function implicitRewardScorer(policy: CausalLM, reference: CausalLM, beta: number): PairScorer {
  return (batch) => {
    const ids = input(batch, 'input_ids');
    const attentionMask = input(batch, 'attention_mask');
    const completionMask = input(batch, 'completion_mask');
    const logps = (model: CausalLM) => sequenceLogps(model.forward(ids, { attentionMask }).logits, ids, completionMask).logps;
    return halves(logps(policy).sub(logps(reference)).mul(beta));
  };
}

/** Every pair's chosen and rejected reward, in the source's order. */
export interface PairScores {
  readonly chosen: number[];
  readonly rejected: number[];
}

/** Scores every batch of `source` (epoch 0, in order) with `scorer`, one compiled program per batch shape. */
export async function scorePairs(source: TrainDataSource, scorer: PairScorer, executor: Executor): Promise<PairScores> {
  const chosen: number[] = [];
  const rejected: number[] = [];
  for (let i = 0; i < source.numBatches(0); i++) {
    const batch = await source.batch(0, i);
    const scores = scorer(batch);
    const [c, r] = await executor.compile([scores.chosen, scores.rejected]).run({ ...batch.tensors, ...takeTracedFeeds() });
    chosen.push(...c.toFloat32());
    rejected.push(...r.toFloat32());
  }
  return { chosen, rejected };
}

/** What `tunekit score` reports: the share of pairs ranked right and the reward statistics. */
export interface ScoreSummary {
  readonly pairs: number;
  /** Share of pairs whose chosen reward is above the rejected one (a tie counts as wrong, as TRL's accuracy does). */
  readonly accuracy: number;
  readonly chosen: { readonly mean: number; readonly std: number };
  readonly rejected: { readonly mean: number; readonly std: number };
  /** Mean of chosen − rejected. */
  readonly margin: number;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

export function summarizeScores({ chosen, rejected }: PairScores): ScoreSummary {
  const margins = chosen.map((c, i) => c - rejected[i]);
  return {
    pairs: chosen.length,
    accuracy: mean(margins.map((m) => (m > 0 ? 1 : 0))),
    chosen: { mean: mean(chosen), std: std(chosen) },
    rejected: { mean: mean(rejected), std: std(rejected) },
    margin: mean(margins),
  };
}
