import { type Batch, type HostTensor, type Rng, type Task, type TaskOutput, Tensor, collectModuleRngs } from '@tunekit/core';
import type { SequenceClassificationModel } from '@tunekit/models';
import { rowsOf } from '../common/sequence-logps.js';
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

  constructor(
    readonly model: SequenceClassificationModel,
    private readonly config: RewardConfig,
  ) {
    this.generators = collectModuleRngs(model);
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

  /** Rewards [2B] of the batch's rows: a forward of the classifier, one score per row. */
  rewards(batch: Batch): { chosen: Tensor; rejected: Tensor; pairs: number } {
    const { input_ids: ids, attention_mask: mask } = batch.tensors;
    if (!ids || !mask) throw new Error(`reward task: a batch needs input_ids and attention_mask (preference pairs), got [${Object.keys(batch.tensors).join(', ')}]`);
    const rows = ids.shape[0];
    if (rows % 2 !== 0) throw new Error(`reward task: a paired batch has chosen and rejected rows, an even number; got ${rows}`);
    const scores = this.model.call(input('input_ids', ids), { attentionMask: input('attention_mask', mask) }).reshape(rows);
    const pairs = rows / 2;
    return { chosen: rowsOf(scores, 0, pairs), rejected: rowsOf(scores, pairs, pairs), pairs };
  }

  trace(batch: Batch): TaskOutput {
    const { chosen, rejected, pairs } = this.rewards(batch);
    const margin = batch.tensors.margin;
    const { loss, metrics } = rewardLoss(chosen, rejected, { margin: margin && input('margin', margin), centerCoefficient: this.config.center_rewards_coefficient });
    return { loss, weight: pairs, metrics };
  }
}
