import { AdamW } from '../optim/adamw.optimizer.js';
import { decayGroups } from '../optim/decay-groups.js';
import { LrScheduler, warmupStepsFor } from '../optim/lr-schedule.js';
import type { Optimizer } from '../optim/optimizer.interface.js';
import { SGD } from '../optim/sgd.optimizer.js';
import type { Parameter } from '../ir/parameter.js';
import { type OptimizerName, type TrainingArguments, resolveInterval } from './training-arguments.js';

type OptimizerFactory = (params: readonly (readonly [string, Parameter])[], args: TrainingArguments) => Optimizer;

/** HF `optim` names to optimizers; both use HF's decay groups (no decay on biases and norms). */
const adamw: OptimizerFactory = (params, a) =>
  new AdamW(decayGroups(params, a.weight_decay), { lr: a.learning_rate, betas: [a.adam_beta1, a.adam_beta2], eps: a.adam_epsilon, weightDecay: a.weight_decay });

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerFactory>> = {
  adamw_torch: adamw,
  adamw,
  sgd: (params, a) => new SGD(decayGroups(params, a.weight_decay), { lr: a.learning_rate, weightDecay: a.weight_decay }),
};

/** How long the run is, as HF's `_inner_training_loop` works it out. */
export interface TrainingPlan {
  /** Optimizer steps in one epoch for the schedule: floor(batches / accumulation), at least 1. */
  stepsPerEpoch: number;
  maxSteps: number;
  numEpochs: number;
  warmupSteps: number;
  loggingSteps: number;
  evalSteps: number;
  saveSteps: number;
}

export function planTraining(args: TrainingArguments, batchesPerEpoch: number): TrainingPlan {
  if (batchesPerEpoch < 1) throw new Error('trainer: the training data source has no batches');
  const stepsPerEpoch = Math.max(1, Math.floor(batchesPerEpoch / args.gradient_accumulation_steps));
  const maxSteps = args.max_steps > 0 ? args.max_steps : Math.ceil(args.num_train_epochs * stepsPerEpoch);
  const numEpochs = args.max_steps > 0 ? Math.ceil(args.max_steps / stepsPerEpoch) : Math.ceil(args.num_train_epochs);
  return {
    stepsPerEpoch,
    maxSteps,
    numEpochs,
    warmupSteps: warmupStepsFor(maxSteps, { warmupSteps: args.warmup_steps, warmupRatio: args.warmup_ratio }),
    loggingSteps: resolveInterval(args.logging_steps, maxSteps),
    evalSteps: resolveInterval(args.eval_steps, maxSteps),
    saveSteps: resolveInterval(args.save_steps, maxSteps),
  };
}

export function createScheduler(optimizer: Optimizer, args: TrainingArguments, plan: TrainingPlan): LrScheduler {
  return new LrScheduler(optimizer, args.lr_scheduler_type, { warmupSteps: plan.warmupSteps, totalSteps: plan.maxSteps });
}
