// The package barrel: what users of @tunekit/rlhf call.

// Online RL (GRPO, RLOO, PPO): losses over per-token log-probs and the host-side advantage math.
export { GRPO_LOSS_TYPES, IMPORTANCE_SAMPLING_LEVELS, type GrpoLossInputs, type GrpoLossOptions, type GrpoLossOutput, type GrpoLossType, type ImportanceSamplingLevel, grpoLoss } from './online/grpo.loss.js';
export { type RlooLossInputs, rlooLoss } from './online/rloo.loss.js';
export { type PpoLossInputs, type PpoLossOptions, ppoLoss } from './online/ppo.loss.js';
export { type PpoRollout, type PpoTargetOptions, type PpoTargets, maskedWhiten, ppoTargets } from './online/ppo-targets.js';
export { type GroupAdvantages, type Reward, SCALE_REWARDS, type ScaleRewards, combineRewards, groupAdvantages, leaveOneOutAdvantages, nanMean, nanStd } from './online/advantages.js';
export { KL_ESTIMATORS, type KlEstimator } from './online/masked.js';
