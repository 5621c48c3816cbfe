import { type Batch, type HostTensor, type Rng, type Task, type TaskOutput, Tensor, collectModuleRngs } from '@tunekit/core';
import type { SequenceClassificationModel } from '@tunekit/models';
import { type PairScorer, rewardModelScorer } from './preference-scores.js';
import type { RewardConfig } from './reward.config.js';
import { rewardLoss } from './reward.loss.js';

const input = (name: string, t: HostTensor): Tensor => Tensor.input(name, t.shape, t.dtype);

/**
 * Reward modelling (TRL's RewardTrainer): the sequence classifier scores every row of a paired
 * batch at its last non-pad token, rows 0..B-1 the chosen answers and B..2B-1 the rejected ones,
 * and the Bradley-Terry loss pushes the chosen score above the rejected one.
 */
export class RewardTask implements Task {
  readonly name = 'reward';
  private readonly generators: ReadonlyMap<string, Rng>;
  private readonly score: PairScorer;

  constructor(
    readonly model: SequenceClassificationModel,
    private readonly config: RewardConfig,
  ) {
    this.generators = collectModuleRngs(model);
    this.score = rewardModelScorer(model);
  }

  namedParameters() {
    return this.model.namedParameters();
  }

  rngs(): ReadonlyMap<string, Rng> {
    return this.generators;
  }

  setTraining(training: boolean): void {
    this.model.train(training && !this.config.disable_dropout);
  }

  setGradientCheckpointing(enabled: boolean): void {
    if (enabled) throw new Error('reward task: gradient_checkpointing is not supported by the sequence-classification model');
  }

  trace(batch: Batch): TaskOutput {
    const { chosen, rejected } = this.score(batch);
    const pairs = chosen.shape[0];
    const margin = batch.tensors.margin;
    const { loss, metrics } = rewardLoss(chosen, rejected, { margin: margin && input('margin', margin), centerCoefficient: this.config.center_rewards_coefficient });
    return { loss, weight: pairs, metrics };
  }
}
