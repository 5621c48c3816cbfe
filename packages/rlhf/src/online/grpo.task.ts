import { type Batch, HostTensor, type Task, type Tensor } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import { combineRewards, groupAdvantages } from './advantages.js';
import type { GrpoConfig } from './grpo.config.js';
import { grpoLoss } from './grpo.loss.js';
import { splitRollout } from './online-batches.js';
import type { OnlineContext } from './online-context.js';
import { OnlineTask, inputOf } from './online-task.base.js';
import { type PolicyForward, rowLogps } from './policy-logps.js';
import { callRewardFunctions } from './reward-functions.js';
import { rewardInputs } from './rollout-inputs.js';
import { rolloutMetrics } from './rollout-metrics.js';
import { rolloutRows } from './rollout-rows.js';

/** Rollout rows are padded to a multiple of this, so nearby lengths share one compiled update. */
const LENGTH_MULTIPLE = 16;

/**
 * GRPO as TRL 1.9's GRPOTrainer runs it: each rollout samples `num_generations` completions per
 * prompt, scores them with the reward functions, turns the weighted sum into group-relative
 * advantages, and the update minimises the clipped surrogate of `loss_type` (plus β·KL to the
 * reference when beta > 0).
 */
export class GrpoTask extends OnlineTask<GrpoConfig> implements Task {
  readonly name = 'grpo';

  constructor(ctx: OnlineContext, config: GrpoConfig) {
    super(ctx, config);
    if (config.beta > 0 && !ctx.reference) throw new Error('grpo: beta > 0 needs a reference model (a LoRA-family adapter to disable, or a frozen copy of the base)');
  }

  protected async produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]> {
    const { config, ctx } = this;
    const G = config.num_generations;
    const rollout = await this.sample(prompts, seed);
    const perFunction = await callRewardFunctions(ctx.rewardFunctions, rewardInputs(prompts, rollout, G));
    const rewards = combineRewards(perFunction, config.reward_weights ?? ctx.rewardFunctions.map(() => 1));
    const { advantages, fracZeroStd } = groupAdvantages(rewards, G, config.scale_rewards);
    const rows = rolloutRows(rollout, { maskTruncated: config.mask_truncated_completions, multiple: LENGTH_MULTIPLE });
    const perRow: Record<string, HostTensor> = { advantages: HostTensor.f32([advantages.length], advantages) };
    const logps = { temperature: config.temperature, chunk: this.plan.completionsPerBatch };
    if (this.needsOldLogps) perRow.old_logps = await rowLogps(ctx.model, ctx.executor, rows, logps);
    if (config.beta > 0) perRow.ref_logps = await rowLogps(ctx.model, ctx.executor, rows, { ...logps, reference: ctx.reference });
    const metrics = rolloutMetrics(rollout, perFunction, ctx.rewardFunctions.map((f) => f.name), rewards, fracZeroStd);
    // DAPO divides by the rollout's loss tokens; the trainer averages its micro-batches, so each gets that count ÷ their number.
    const scalars = { token_normalizer: rows.lossTokens / ctx.training.gradient_accumulation_steps };
    return splitRollout({ rows, perRow, scalars, metrics }, this.plan.stepsPerGeneration, seed);
  }

  protected loss(batch: Batch, policy: PolicyForward): { loss: Tensor; metrics: Record<string, Tensor> } {
    const t = batch.tensors;
    const c = this.config;
    return grpoLoss(
      {
        logps: policy.perToken,
        mask: policy.mask,
        advantages: inputOf('advantages', t.advantages),
        ...(t.old_logps ? { oldLogps: inputOf('old_logps', t.old_logps) } : {}),
        ...(t.ref_logps ? { refLogps: inputOf('ref_logps', t.ref_logps) } : {}),
        tokenNormalizer: inputOf('token_normalizer', t.token_normalizer),
      },
      { lossType: c.loss_type, beta: c.beta, epsilon: c.epsilon, epsilonHigh: c.epsilon_high ?? c.epsilon, importanceSamplingLevel: c.importance_sampling_level, maxCompletionLength: c.max_completion_length },
    );
  }
}
