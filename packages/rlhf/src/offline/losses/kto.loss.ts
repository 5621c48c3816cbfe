import { Tensor } from '@tunekit/core';

/** A batch of unpaired completions, each [B]: summed log-probs, labels, and the mismatched KL rows. */
export interface UnpairedLogps {
  readonly logps: Tensor;
  readonly refLogps: Tensor;
  /** 1 desirable, 0 undesirable (f32). */
  readonly label: Tensor;
  /** Log-probs of prompt i with another row's completion (the KL estimate), policy and reference. */
  readonly klLogps?: Tensor;
  readonly refKlLogps?: Tensor;
  /** The KL estimate itself (`klEstimate`, averaged over ranks), where it was scored before the step. */
  readonly klEstimate?: Tensor;
}

export interface KtoObjective {
  readonly lossType: KtoLossType;
  readonly beta: number;
  readonly desirableWeight: number;
  readonly undesirableWeight: number;
}

export const KTO_LOSS_TYPES = ['kto', 'apo_zero_unpaired'] as const;
export type KtoLossType = (typeof KTO_LOSS_TYPES)[number];

export interface KtoOutput {
  readonly loss: Tensor;
  /** The KL estimate the loss used (0 for apo_zero_unpaired). */
  readonly kl: Tensor;
  /** β·(log π − log π_ref) of every row, no gradient. */
  readonly rewards: Tensor;
}

/** TRL's KL estimate before its clamp: mean(log π − log π_ref) over the mismatched rows, without gradient. */
export const klEstimate = (klLogps: Tensor, refKlLogps: Tensor): Tensor => klLogps.sub(refKlLogps).mean().detach();

/**
 * KTO (and unpaired APO-zero): a desirable row's loss is 1 − σ(β(r − z)), an undesirable row's
 * 1 − σ(β(z − r)), r its log-ratio and z the KL estimate clamped at 0, without gradient, as TRL
 * computes it; the mean over all rows. z is `klEstimate` of the mismatched rows, or the estimate
 * given (TRL 1.9 averages the ranks' estimates before it clamps: see `KtoTask.prepare`).
 */
export function ktoLoss(u: UnpairedLogps, o: KtoObjective): KtoOutput {
  const logratio = u.logps.sub(u.refLogps);
  const desirable = u.label;
  const undesirable = u.label.neg().add(1);
  let chosenLoss: Tensor;
  let rejectedLoss: Tensor;
  let kl: Tensor;
  if (o.lossType === 'kto') {
    const estimate = u.klEstimate ?? (u.klLogps && u.refKlLogps ? klEstimate(u.klLogps, u.refKlLogps) : null);
    if (!estimate) throw new Error('kto: the KL estimate needs the mismatched rows\' log-probs (klLogps, refKlLogps) or the estimate (klEstimate)');
    kl = estimate.detach().maximum(0);
    chosenLoss = logratio.sub(kl).mul(o.beta).sigmoid().neg().add(1);
    rejectedLoss = kl.sub(logratio).mul(o.beta).sigmoid().neg().add(1);
  } else {
    kl = Tensor.scalar(0);
    chosenLoss = logratio.mul(o.beta).sigmoid().neg().add(1);
    rejectedLoss = logratio.mul(o.beta).sigmoid();
  }
  const perRow = chosenLoss.mul(desirable).mul(o.desirableWeight).add(rejectedLoss.mul(undesirable).mul(o.undesirableWeight));
  return { loss: perRow.mean(), kl, rewards: logratio.mul(o.beta).detach() };
}
