// The package barrel: what users of @tunekit/rlhf call.
import { TASK_PROVIDER, type TaskProvider } from '@tunekit/core';
import type { DependencyContainer } from 'tsyringe';
import { OFFLINE_TASKS } from './offline/tasks/offline-task.providers.js';
import { GRPO_TASK } from './online/grpo.provider.js';
import { RLOO_TASK } from './online/rloo.provider.js';
import { PPO_TASK } from './online/ppo.provider.js';
import { REWARD_TASK } from './reward/reward.provider.js';

// Sequence log-probs (shared by the offline and online methods).
export { type SequenceLogps, meanNll, rowsOf, sequenceLogps } from './common/sequence-logps.js';

// Offline preference optimisation: the losses (DPO family, CPO/SimPO, ORPO, KTO).
export { log1mExp, logSigmoid } from './offline/losses/loss-math.js';
export { DPO_LOSSES, DPO_LOSS_TYPES, type DpoLossParams, type DpoLossType, type DpoObjective, type PairedLogps, SORTING_LOSSES, dpoLoss, smoothedSigmoid } from './offline/losses/dpo.losses.js';
export { CPO_LOSS_TYPES, type CpoLossType, type CpoObjective, type CpoOutput, type PolicyPairLogps, cpoLoss } from './offline/losses/cpo.losses.js';
export { type OrpoOutput, orpoLoss } from './offline/losses/orpo.loss.js';
export { KTO_LOSS_TYPES, type KtoLossType, type KtoObjective, type KtoOutput, type UnpairedLogps, ktoLoss } from './offline/losses/kto.loss.js';

// Offline tasks: their config sections, the reference model, and the tasks themselves.
export { type DpoConfig, DPO_FIELDS, parseDpoConfig } from './offline/config/dpo.config.js';
export { type CpoConfig, CPO_FIELDS, parseCpoConfig } from './offline/config/cpo.config.js';
export { type OrpoConfig, ORPO_FIELDS, parseOrpoConfig } from './offline/config/orpo.config.js';
export { type KtoConfig, KTO_FIELDS, parseKtoConfig } from './offline/config/kto.config.js';
export { OfflineConfigError } from './offline/config/offline-fields.js';
export { type ReferencePolicy, type TracedReference, adapterReference, frozenCopy, initialModelReference, modelReference, precomputedReference } from './offline/reference/reference-policy.js';
export { PrecomputedRefLogps, REF_LOGPS_FILE } from './offline/reference/precomputed-ref-logps.js';
export { type ReferenceContext, selectReference } from './offline/reference/select-reference.js';
export { OfflineTask } from './offline/tasks/offline.task.js';
export { DpoTask } from './offline/tasks/dpo.task.js';
export { CpoTask, OrpoTask } from './offline/tasks/cpo.task.js';
export { KL_PREFIX, KtoTask } from './offline/tasks/kto.task.js';
export { type PairStatistics, preferenceMetrics } from './offline/tasks/preference-metrics.js';
export { wpoWeights } from './offline/tasks/wpo-weights.js';

// Online RL (GRPO, RLOO, PPO): losses over per-token log-probs and the host-side advantage math.
export { GRPO_LOSS_TYPES, IMPORTANCE_SAMPLING_LEVELS, type GrpoLossInputs, type GrpoLossOptions, type GrpoLossOutput, type GrpoLossType, type ImportanceSamplingLevel, grpoLoss } from './online/grpo.loss.js';
export { type RlooLossInputs, rlooLoss } from './online/rloo.loss.js';
export { type PpoLossInputs, type PpoLossOptions, ppoLoss } from './online/ppo.loss.js';
export { type PpoRollout, type PpoTargetOptions, type PpoTargets, maskedWhiten, ppoTargets } from './online/ppo-targets.js';
export { type GroupAdvantages, type Reward, SCALE_REWARDS, type ScaleRewards, combineRewards, groupAdvantages, leaveOneOutAdvantages, nanMean, nanStd } from './online/advantages.js';
export { KL_ESTIMATORS, type KlEstimator } from './online/masked.js';
export { CPO_TASK, DPO_TASK, KTO_TASK, OFFLINE_TASKS, ORPO_TASK } from './offline/tasks/offline-task.providers.js';
export { GRPO_TASK } from './online/grpo.provider.js';
export { type GrpoConfig, parseGrpoConfig } from './online/grpo.config.js';
export { GrpoTask } from './online/grpo.task.js';
export { RLOO_TASK } from './online/rloo.provider.js';
export { type RlooConfig, parseRlooConfig } from './online/rloo.config.js';
export { RlooTask } from './online/rloo.task.js';
export { type OnlineContext, type ReferenceScope } from './online/online-context.js';
export { type NamedRewardFunction, type RewardFunction, type RewardInputs, loadRewardFunction } from './online/reward-functions.js';
export { type QuantizedSampler, type Rollout, type SamplingSettings, sampleRollout } from './online/rollout.js';
export { ROLLOUT_QUANTIZATION, ROLLOUT_QUANTIZATIONS, type RolloutQuantization, frozenLinearWeights } from './online/rollout-quantization.js';
export { SAMPLING_CORRECTION_MODES, type SamplingCorrection, type SamplingCorrectionMode, type SamplingCorrectionOptions, samplingCorrection } from './online/sampling-correction.js';
export { type GenerationPlan, RolloutDataSource } from './online/rollout.data-source.js';
export { type LoadedRewardModel, type RewardModelScoring, type RewardSource, bindRewardSource, loadRewardModelFrom, loadRewardSource, rewardModelFunction, rewardRows, scoreRows } from './online/reward-model.source.js';
export { PPO_TASK } from './online/ppo.provider.js';
export { type PpoConfig, type PpoOptions, parsePpoConfig } from './online/ppo.config.js';
export { type PpoModels, PpoTask, VALUE_PREFIX } from './online/ppo.task.js';
export { rowValues } from './online/value-model.js';

// Reward modelling (task: reward): Bradley-Terry loss, the sequence-classification model, the task.
export { type RewardConfig, REWARD_FIELDS, parseRewardConfig } from './reward/reward.config.js';
export { type RewardLossOutput, rewardLoss } from './reward/reward.loss.js';
export { loadRewardModel, rewardModelOn } from './reward/reward.model.js';
export { RewardTask } from './reward/reward.task.js';
export { REWARD_TASK } from './reward/reward.provider.js';

/**
 * Every rlhf task, registered under TASK_PROVIDER: the plugin entry point the CLI's builtins call.
 * The token is typed for causal-LM tasks; each task gets the model its own `loadModel` returns.
 */
const TASKS = [REWARD_TASK, ...OFFLINE_TASKS, GRPO_TASK, RLOO_TASK, PPO_TASK] as unknown as readonly TaskProvider[];

export function register(container: DependencyContainer): void {
  for (const task of TASKS) container.register(TASK_PROVIDER, { useValue: task });
}
export { type PairScorer, type PairScores, type ScoreSummary, implicitRewardScorer, rewardModelScorer, scorePairs, summarizeScores } from './reward/preference-scores.js';
