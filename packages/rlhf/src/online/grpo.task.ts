import { type Batch, HostTensor, type Task, type Tensor } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import type { GrpoConfig } from './grpo.config.js';
import { grpoLoss } from './grpo.loss.js';
import { type GroupAdvantages, type MultiObjectiveAggregation, groupAdvantages, normalizeThenSumAdvantages } from './advantages.js';
import type { PolicyForward } from './policy-logps.js';
import { splitRollout } from './online-batches.js';
import { OnlineTask, type ScoredRollout, inputOf } from './online-task.base.js';
import type { OnlineContext } from './online-context.js';
import type { QuantizedSampler } from './rollout.js';
import { ROLLOUT_QUANTIZATION, frozenLinearWeights } from './rollout-quantization.js';
import { type SamplingCorrectionOptions, samplingCorrection, samplingCorrectionTraced } from './sampling-correction.js';
import { rolloutMetrics } from './rollout-metrics.js';

/** Rewards to advantages by `multi_objective_aggregation`. */
const AGGREGATIONS: Readonly<Record<MultiObjectiveAggregation, (s: ScoredRollout, c: GrpoConfig) => GroupAdvantages>> = {
  sum_then_normalize: (s, c) => groupAdvantages(s.rewards, c.num_generations, c.scale_rewards),
  normalize_then_sum: (s, c) => normalizeThenSumAdvantages(s.perFunction, s.weights, c.num_generations),
};

/**
 * GRPO as TRL 1.9's GRPOTrainer runs it: each rollout samples `num_generations` completions per
 * prompt, scores them with the reward functions, turns the weighted sum into group-relative
 * advantages, and the update minimises the clipped surrogate of `loss_type` (plus β·KL to the
 * reference when beta > 0).
 */
export class GrpoTask extends OnlineTask<GrpoConfig> implements Task {
  readonly name = 'grpo';
  private readonly quantizedSampler: QuantizedSampler | null;

  constructor(ctx: OnlineContext, config: GrpoConfig) {
    super(ctx, config);
    const q = config.rollout_quantization;
    this.quantizedSampler = q === null ? null : { weights: frozenLinearWeights(ctx.model), quantization: ROLLOUT_QUANTIZATION[q] };
  }

  protected override get sampler(): QuantizedSampler | null {
    return this.quantizedSampler;
  }

  protected async produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]> {
    const { config, ctx } = this;
    const scored = await this.scoredRollout(prompts, seed);
    const { rollout, perFunction, rewards, rows, laidOut, names } = scored;
    const { advantages, fracZeroStd } = AGGREGATIONS[config.multi_objective_aggregation](scored, config);
    await this.logCompletions(prompts, scored, advantages);
    const perRow: Record<string, HostTensor> = { advantages: HostTensor.f32([advantages.length], advantages) };
    if (this.needsOldLogps) perRow.old_logps = await this.logpsOf(laidOut);
    if (config.beta > 0) perRow.ref_logps = await this.logpsOf(laidOut, ctx.reference);
    const correction = this.samplerCorrection(scored, perRow);
    const metrics = { ...rolloutMetrics(rollout, perFunction, names, rewards, fracZeroStd), ...correction, ...this.timings(scored) };
    // DAPO divides by the rollout's loss tokens; the trainer averages its micro-batches, so each gets that count ÷ their number.
    const scalars = { token_normalizer: rows.lossTokens / ctx.training.gradient_accumulation_steps };
    return splitRollout({ rows: laidOut, perRow, scalars, metrics }, this.plan.stepsPerGeneration, seed);
  }

  private get correctionOptions(): SamplingCorrectionOptions {
    const c = this.config;
    return { mode: c.vllm_importance_sampling_mode, clipMin: c.vllm_importance_sampling_clip_min, clipMax: c.vllm_importance_sampling_clip_max };
  }

  /**
   * For completions a quantized sampler drew: its log-probs as per-row feeds (for the off-policy
   * mask, and the correction). Where the policy may have moved since sampling, the old log-probs
   * were computed, and the importance weights of TRL's mode are computed here with TRL's
   * `sampling/…` metrics; otherwise the update's own log-probs are the old ones, and `loss` weighs
   * them in the step, sparing the pass over the rollout that TRL runs for them.
   */
  private samplerCorrection({ rollout, laidOut }: ScoredRollout, perRow: Record<string, HostTensor>): Record<string, number> {
    if (!rollout.samplingLogprobs) return {};
    const sampling = laidOut.completionTokens(rollout.samplingLogprobs);
    perRow.sampling_logps = sampling;
    if (!this.config.vllm_importance_sampling_correction || !perRow.old_logps) return {};
    const { ratio, metrics } = samplingCorrection(perRow.old_logps as HostTensor<'f32'>, sampling, laidOut.tokenMask(), this.correctionOptions);
    perRow.sampling_ratio = ratio;
    return metrics;
  }

  protected loss(batch: Batch, policy: PolicyForward): { loss: Tensor; metrics: Record<string, Tensor> } {
    const t = batch.tensors;
    const c = this.config;
    const samplingLogps = t.sampling_logps ? inputOf('sampling_logps', t.sampling_logps) : undefined;
    // The policy has not moved since sampling: its log-probs here are the old ones the correction compares.
    const traced = samplingLogps && !t.sampling_ratio && !t.old_logps && c.vllm_importance_sampling_correction ? samplingCorrectionTraced(policy.perToken.detach(), samplingLogps, policy.mask, this.correctionOptions) : null;
    const samplingRatio = t.sampling_ratio ? inputOf('sampling_ratio', t.sampling_ratio) : traced?.ratio;
    const out = grpoLoss(
      {
        logps: policy.perToken,
        mask: policy.mask,
        advantages: inputOf('advantages', t.advantages),
        ...(t.old_logps ? { oldLogps: inputOf('old_logps', t.old_logps) } : {}),
        ...(t.ref_logps ? { refLogps: inputOf('ref_logps', t.ref_logps) } : {}),
        tokenNormalizer: inputOf('token_normalizer', t.token_normalizer),
        entropy: policy.entropy,
        ...(samplingLogps ? { samplingLogps } : {}),
        ...(samplingRatio ? { samplingRatio } : {}),
      },
      {
        lossType: c.loss_type,
        beta: c.beta,
        epsilon: c.epsilon,
        epsilonHigh: c.epsilon_high ?? c.epsilon,
        importanceSamplingLevel: c.importance_sampling_level,
        maxCompletionLength: c.max_completion_length,
        delta: c.delta,
        biasCorrectionKl: c.use_bias_correction_kl,
        offPolicyMaskThreshold: c.off_policy_mask_threshold,
        entropyCoef: c.entropy_coef,
        topEntropyQuantile: c.top_entropy_quantile,
      },
    );
    return traced ? { loss: out.loss, metrics: { ...out.metrics, ...traced.metrics } } : out;
  }
}
