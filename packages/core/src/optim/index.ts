export type {
  BaseHyperParams,
  HyperValue,
  Optimizer,
  OptimizerMeta,
  OptimizerParams,
  OptimizerState,
  ParamGroup,
  ParamGroupMeta,
  ResolvedParamGroup,
} from './optimizer.interface.js';
export { BaseOptimizer, type ParamStateRecord, mergeHyper } from './optimizer.base.js';
export { MasterCopy, type HalfDType } from './master-weights.js';
export { ADAMW_DEFAULTS, AdamW, type AdamWHyperParams, type AdamWOptions } from './adamw.optimizer.js';
export { decayGroups, isNoDecayName } from './decay-groups.js';
export { SGD, SGD_DEFAULTS, type SGDHyperParams, type SGDOptions } from './sgd.optimizer.js';
export {
  LR_SCHEDULES,
  LrScheduler,
  type LrLambda,
  type LrScheduleFactory,
  type LrScheduleOptions,
  type LrSchedulerState,
  type LrSchedulerType,
  constantSchedule,
  constantWithWarmupSchedule,
  cosineSchedule,
  cosineWithMinLrSchedule,
  cosineWithRestartsSchedule,
  inverseSqrtSchedule,
  isLrSchedulerType,
  linearSchedule,
  polynomialSchedule,
  warmupStepsFor,
} from './lr-schedule.js';
export { clipGradNorm, gradNorm } from './grad-clip.js';
export { GradAccumulator } from './grad-accumulator.js';
