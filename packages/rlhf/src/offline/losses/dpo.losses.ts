import type { Tensor } from '@tunekit/core';
import { logSigmoid } from './loss-math.js';

/**
 * Per-sequence log-probabilities of one batch of preference pairs, each [B] (chosen row i pairs
 * with rejected row i): sums over the completion tokens, as TRL's DPOTrainer computes them.
 */
export interface PairedLogps {
  readonly chosen: Tensor;
  readonly rejected: Tensor;
  readonly refChosen: Tensor;
  readonly refRejected: Tensor;
  /** Completion tokens of each row, f32 [B] (IPO averages per token). */
  readonly chosenTokens: Tensor;
  readonly rejectedTokens: Tensor;
  /** Scalar: mean cross-entropy over the chosen completion tokens (the `sft` term, RPO). */
  readonly chosenNll?: Tensor;
  /** [B] WPO weights of the pairs (`use_weighting`), no gradient. */
  readonly pairWeights?: Tensor;
}

export interface DpoLossParams {
  readonly beta: number;
  readonly labelSmoothing: number;
}

/** What every loss reads: the log-ratios to the reference and their difference. */
interface PairTerms extends PairedLogps {
  /** log π(y_c) − log π_ref(y_c) and the same for the rejected completion. */
  readonly chosenLogratio: Tensor;
  readonly rejectedLogratio: Tensor;
  /** chosenLogratio − rejectedLogratio: the implicit reward margin over β. */
  readonly delta: Tensor;
}

type PerSequenceLoss = (t: PairTerms, p: DpoLossParams) => Tensor;

/** −(1−ε)·log σ(βx) − ε·log σ(−βx): the label-smoothed sigmoid loss (AOT, CPO). */
export const smoothedSigmoid = (x: Tensor, beta: number, eps: number): Tensor =>
  logSigmoid(x.mul(beta)).mul(-(1 - eps)).sub(logSigmoid(x.mul(-beta)).mul(eps));

/** Sorted descending along the batch (AOT compares quantiles, not pairs). */
const sorted = (x: Tensor): Tensor => x.topk(x.dim(0), 0)[0];

/**
 * TRL 1.9's DPO loss types, each the per-pair loss [B] (the trainer takes its mean times the
 * type's weight). `sft` is the chosen completions' NLL, the same for every pair.
 */
export const DPO_LOSSES = {
  sigmoid: (t, { beta }) => logSigmoid(t.delta.mul(beta)).neg(),
  hinge: (t, { beta }) => t.delta.mul(-beta).add(1).relu(),
  // IPO on per-token averages (TRL's normalisation, confirmed with the IPO authors), target 1/(2β).
  ipo: (t, { beta }) => t.chosenLogratio.div(t.chosenTokens.maximum(1)).sub(t.rejectedLogratio.div(t.rejectedTokens.maximum(1))).sub(1 / (2 * beta)).square(),
  // EXO-pref (K = 2): KL(q‖p) of q = softmax over {chosen, rejected} of β·logratio, p = (1−ε, ε).
  exo_pair: (t, { beta, labelSmoothing: eps }) => {
    const z = t.delta.mul(beta);
    const [logQw, logQl] = [logSigmoid(z), logSigmoid(z.neg())];
    return logQw.exp().mul(logQw.sub(Math.log1p(-eps))).add(logQl.exp().mul(logQl.sub(Math.log(eps))));
  },
  nca_pair: (t, { beta }) => {
    const [c, r] = [t.chosenLogratio.mul(beta), t.rejectedLogratio.mul(beta)];
    return logSigmoid(c).neg().sub(logSigmoid(c.neg()).mul(0.5)).sub(logSigmoid(r.neg()).mul(0.5));
  },
  // Robust DPO: an unbiased estimate under labels flipped with probability ε.
  robust: (t, { beta, labelSmoothing: eps }) =>
    logSigmoid(t.delta.mul(beta)).mul(-(1 - eps)).add(logSigmoid(t.delta.mul(-beta)).mul(eps)).div(1 - 2 * eps),
  bco_pair: (t, { beta }) => logSigmoid(t.chosenLogratio.mul(beta)).neg().sub(logSigmoid(t.rejectedLogratio.mul(-beta))),
  // SPPO with hard probabilities: the winner's log-ratio pulled to 1/(2β), the loser's to −1/(2β).
  sppo_hard: (t, { beta }) => t.chosenLogratio.sub(0.5 / beta).square().add(t.rejectedLogratio.add(0.5 / beta).square()),
  aot: (t, { beta, labelSmoothing }) => smoothedSigmoid(sorted(t.chosen.sub(t.rejected)).sub(sorted(t.refChosen.sub(t.refRejected))), beta, labelSmoothing),
  aot_unpaired: (t, { beta, labelSmoothing }) => smoothedSigmoid(sorted(t.chosenLogratio).sub(sorted(t.rejectedLogratio)), beta, labelSmoothing),
  // APO-zero: raise the chosen likelihood, lower the rejected one; APO-down: lower both, the rejected more.
  apo_zero: (t, { beta }) => t.chosenLogratio.mul(beta).sigmoid().neg().add(1).add(t.rejectedLogratio.mul(beta).sigmoid()),
  apo_down: (t, { beta }) => t.chosenLogratio.mul(beta).sigmoid().add(t.delta.mul(beta).sigmoid().neg().add(1)),
  sft: (t) => {
    if (!t.chosenNll) throw new Error('dpo loss_type "sft" needs the chosen completions\' NLL');
    return t.chosenNll.expand(t.chosen.dim(0));
  },
} as const satisfies Record<string, PerSequenceLoss>;

export type DpoLossType = keyof typeof DPO_LOSSES;
export const DPO_LOSS_TYPES = Object.keys(DPO_LOSSES) as DpoLossType[];

/** The loss types that sort the batch, so per-pair WPO weights would be misaligned (TRL refuses them too). */
export const SORTING_LOSSES: readonly DpoLossType[] = ['aot', 'aot_unpaired'];

export interface DpoObjective extends DpoLossParams {
  readonly lossType: readonly DpoLossType[];
  /** One per loss type; absent: 1 each. */
  readonly lossWeights?: readonly number[] | null;
}

/** Σ_k w_k · mean_i(loss_k(i) · pairWeight_i): TRL's combined DPO objective (RPO is ["sigmoid", "sft"]). */
export function dpoLoss(logps: PairedLogps, objective: DpoObjective): Tensor {
  const chosenLogratio = logps.chosen.sub(logps.refChosen);
  const rejectedLogratio = logps.rejected.sub(logps.refRejected);
  // Unused terms cost nothing: only what the loss reaches is compiled.
  const terms: PairTerms = { ...logps, chosenLogratio, rejectedLogratio, delta: chosenLogratio.sub(rejectedLogratio) };
  const weights = objective.lossWeights ?? objective.lossType.map(() => 1);
  if (weights.length !== objective.lossType.length) throw new Error(`dpo: ${weights.length} loss_weights for ${objective.lossType.length} loss_type entries`);
  const parts = objective.lossType.map((type, k) => {
    const perPair = DPO_LOSSES[type](terms, objective);
    return (logps.pairWeights ? perPair.mul(logps.pairWeights) : perPair).mean().mul(weights[k]);
  });
  return parts.reduce((sum, part) => sum.add(part));
}
