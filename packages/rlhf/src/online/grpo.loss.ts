import { Tensor } from '@tunekit/core';
import { highEntropyMask } from './entropy-mask.js';
import { KL_ESTIMATORS, clamp, maskedMean, maskedRowMean } from './masked.js';

/** TRL 1.9's `loss_type`s of the clipped surrogate: they differ only in how token losses are averaged. */
export const GRPO_LOSS_TYPES = ['dapo', 'grpo', 'dr_grpo', 'bnpo'] as const;
export type GrpoLossType = (typeof GRPO_LOSS_TYPES)[number];

export const IMPORTANCE_SAMPLING_LEVELS = ['token', 'sequence'] as const;
export type ImportanceSamplingLevel = (typeof IMPORTANCE_SAMPLING_LEVELS)[number];

export interface GrpoLossOptions {
  readonly lossType: GrpoLossType;
  /** Weight of the k3 KL term to the reference; 0 needs no reference log-probs. */
  readonly beta: number;
  /** Lower clip ε: the ratio is kept ≥ 1 − epsilon. */
  readonly epsilon: number;
  /** Upper clip: the ratio is kept ≤ 1 + epsilonHigh (TRL: `epsilon_high`, defaulting to `epsilon`). */
  readonly epsilonHigh: number;
  /** `sequence` is GSPO: one ratio per completion, the exp of the mean token log-ratio. */
  readonly importanceSamplingLevel: ImportanceSamplingLevel;
  /** `dr_grpo` divides by rows × this constant instead of by a token count. */
  readonly maxCompletionLength: number;
  /**
   * Two-sided clipping (INTELLECT-2, TRL's `delta`): the unclipped ratio is capped at this too, so
   * a negative advantage cannot push a token whose ratio has run far above 1 + ε; null: off.
   */
  readonly delta?: number | null;
  /** The KL term times the importance ratio (DeepSeek-V3.2, TRL's `use_bias_correction_kl`). */
  readonly biasCorrectionKl?: boolean;
  /**
   * Off-policy sequence masking (DeepSeek-V3.2, TRL's `off_policy_mask_threshold`): a completion with
   * a negative advantage whose mean log π_old − log π over its tokens exceeds this adds no policy
   * loss; null: off.
   */
  readonly offPolicyMaskThreshold?: number | null;
  /**
   * TRL's `entropy_coef`: minus this times the mean token entropy joins the loss (an exploration
   * bonus, the same for every loss type); 0: off.
   */
  readonly entropyCoef?: number;
  /**
   * TRL's `top_entropy_quantile`: only this top fraction of the micro-batch's tokens by entropy
   * carries the policy loss (and the entropy bonus); 1: every token.
   */
  readonly topEntropyQuantile?: number;
}

export interface GrpoLossInputs {
  /** Log-probs of the sampled completion tokens under the policy being trained, [B, T]. */
  readonly logps: Tensor;
  /** The same under the policy that sampled them, [B, T]; absent: `logps` detached (one update per rollout). */
  readonly oldLogps?: Tensor;
  /** Under the reference model, [B, T]; needed when beta > 0. */
  readonly refLogps?: Tensor;
  /** One advantage per completion, [B]. */
  readonly advantages: Tensor;
  /** 1 on completion tokens that count, 0 on padding (and on truncated rows when they are masked), [B, T] f32. */
  readonly mask: Tensor;
  /**
   * `dapo` only: what this micro-batch's token-loss sum is divided by. TRL divides by the loss
   * tokens of the whole generation batch; a trainer that averages its micro-batches passes that
   * count divided by the number of micro-batches, which gives the same step.
   */
  readonly tokenNormalizer?: Tensor | number;
  /** Entropy of the policy's next-token distribution at each position, [B, T]; needed when entropyCoef ≠ 0. */
  readonly entropy?: Tensor;
  /**
   * Where a sampler other than the policy drew the completions (a quantized one): its own
   * log-probs [B, T], which the off-policy mask measures drift from, as TRL's does with vLLM's.
   */
  readonly samplingLogps?: Tensor;
  /** The importance-sampling correction for that sampler, [B, T] (`samplingCorrection`): each token loss is weighed by it. */
  readonly samplingRatio?: Tensor;
}

export interface GrpoLossOutput {
  readonly loss: Tensor;
  /** TRL's logged names: `kl` (beta > 0), `clip_ratio/low_mean`, `clip_ratio/high_mean`, `clip_ratio/region_mean`. */
  readonly metrics: Record<string, Tensor>;
}

interface Reduction {
  readonly perTokenLoss: Tensor;
  readonly mask: Tensor;
  readonly inputs: GrpoLossInputs;
  readonly options: GrpoLossOptions;
}

/** How each loss type turns token losses into the micro-batch's loss (before the trainer averages micro-batches). */
const REDUCTIONS: Readonly<Record<GrpoLossType, (r: Reduction) => Tensor>> = {
  // Each completion's mean, then the mean over completions (the paper's GRPO; favours short answers).
  grpo: ({ perTokenLoss, mask }) => maskedRowMean(perTokenLoss, mask).mean(),
  // One token mean over the micro-batch.
  bnpo: ({ perTokenLoss, mask }) => maskedMean(perTokenLoss, mask),
  // Dr. GRPO: a constant denominator, so no length bias.
  dr_grpo: ({ perTokenLoss, mask, options }) => perTokenLoss.mul(mask).sum().div(mask.dim(0) * options.maxCompletionLength),
  // DAPO: one token mean over the whole generation batch.
  dapo: ({ perTokenLoss, mask, inputs }) => overBatchTokens(perTokenLoss, mask, inputs),
};

/** Σ(x·mask) over the micro-batch ÷ its share of the generation batch's tokens (DAPO's normaliser). */
function overBatchTokens(x: Tensor, mask: Tensor, inputs: GrpoLossInputs): Tensor {
  const n = inputs.tokenNormalizer;
  if (n === undefined) throw new Error("grpo loss: loss_type 'dapo' needs the generation batch's token count (tokenNormalizer)");
  return x.mul(mask).sum().div(typeof n === 'number' ? Math.max(n, 1) : n.maximum(1));
}

/**
 * The mean token entropy as each loss type's micro-batch loss carries it, so that the optimizer
 * step sees the mean over the generation batch whatever the type: DAPO's micro-batches divide by
 * their share of the batch's tokens, the others' are averaged by the trainer.
 */
const ENTROPY_BONUS: Readonly<Record<GrpoLossType, (entropy: Tensor, mask: Tensor, inputs: GrpoLossInputs) => Tensor>> = {
  dapo: overBatchTokens,
  grpo: (entropy, mask) => maskedMean(entropy, mask),
  bnpo: (entropy, mask) => maskedMean(entropy, mask),
  dr_grpo: (entropy, mask) => maskedMean(entropy, mask),
};

/**
 * The clipped surrogate of GRPO and its variants, as TRL 1.9's GRPOTrainer computes it, over
 * per-token log-probs: ratio ρ = exp(log π − log π_old) per token (or per sequence), token loss
 * −min(min(ρ, δ)·A, clip(ρ, 1 − ε, 1 + ε_high)·A) (no δ unless set), times the off-policy and
 * high-entropy masks where set and the sampler's importance-sampling correction where given, plus
 * β·k3(π, π_ref) (times ρ with the bias correction), reduced by `loss_type`, minus `entropyCoef`
 * times the mean token entropy where set.
 */
export function grpoLoss(inputs: GrpoLossInputs, options: GrpoLossOptions): GrpoLossOutput {
  const { logps, mask } = inputs;
  const old = inputs.oldLogps ?? logps.detach();
  const advantages = inputs.advantages.unsqueeze(-1);
  const logRatio = logps.sub(old);
  // [B, T] per token, [B, 1] per sequence (GSPO): broadcast against the mask either way.
  const logWeights = options.importanceSamplingLevel === 'token' ? logRatio : maskedRowMean(logRatio, mask).unsqueeze(-1);
  const ratio = logWeights.exp();
  const clipped = clamp(ratio, 1 - options.epsilon, 1 + options.epsilonHigh);
  const delta = options.delta ?? null;
  const unclipped = delta === null ? ratio : ratio.minimum(delta);
  let perTokenLoss = unclipped.mul(advantages).minimum(clipped.mul(advantages)).neg();
  const threshold = options.offPolicyMaskThreshold ?? null;
  if (threshold !== null) {
    // The sampler drew the completion (π_old, or the quantized sampler); nothing here carries a gradient: the mask only drops terms.
    const drift = maskedRowMean((inputs.samplingLogps ?? old).sub(logps.detach()), mask).unsqueeze(-1);
    perTokenLoss = perTokenLoss.mul(advantages.ge(0).or(drift.le(threshold)).float());
  }

  const quantile = options.topEntropyQuantile ?? 1;
  let bonusMask = mask;
  if (quantile < 1) {
    if (!inputs.entropy) throw new Error('grpo loss: topEntropyQuantile needs the token entropies');
    const highEntropy = highEntropyMask(inputs.entropy, mask, 1 - quantile);
    perTokenLoss = perTokenLoss.mul(highEntropy);
    bonusMask = mask.mul(highEntropy);
  }
  if (inputs.samplingRatio) perTokenLoss = perTokenLoss.mul(inputs.samplingRatio);

  const metrics: Record<string, Tensor> = {};
  if (options.beta !== 0) {
    if (!inputs.refLogps) throw new Error('grpo loss: beta > 0 needs the reference log-probs');
    const k3 = KL_ESTIMATORS.k3(logps, inputs.refLogps);
    const kl = options.biasCorrectionKl ? k3.mul(ratio) : k3;
    perTokenLoss = perTokenLoss.add(kl.mul(options.beta));
    metrics.kl = maskedMean(kl, mask).detach();
  }
  let loss = REDUCTIONS[options.lossType]({ perTokenLoss, mask, inputs, options });
  const entropyCoef = options.entropyCoef ?? 0;
  if (entropyCoef !== 0) {
    if (!inputs.entropy) throw new Error('grpo loss: entropyCoef needs the token entropies');
    metrics.policy_loss = loss.detach();
    metrics.entropy_coef = Tensor.scalar(entropyCoef);
    loss = loss.sub(ENTROPY_BONUS[options.lossType](inputs.entropy, bonusMask, inputs).mul(entropyCoef));
  }

  // Clip fractions as TRL logs them (of the ratio after any delta cap): over tokens, or over
  // completions for sequence-level ratios.
  const low = unclipped.lt(1 - options.epsilon).and(advantages.lt(0)).float();
  const high = unclipped.gt(1 + options.epsilonHigh).and(advantages.gt(0)).float();
  // A token is clipped low only where A < 0 and high only where A > 0: never both.
  const region = low.add(high);
  const mean = (x: Tensor) => (options.importanceSamplingLevel === 'sequence' ? x.mean() : maskedMean(x, mask)).detach();
  metrics['clip_ratio/low_mean'] = mean(low);
  metrics['clip_ratio/high_mean'] = mean(high);
  metrics['clip_ratio/region_mean'] = mean(region);
  return { loss, metrics };
}
