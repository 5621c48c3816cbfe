export {
  ACCEPTED_TRAINING_ARGUMENT_NAMES,
  type IntervalStrategy,
  type OptimizerName,
  type TrainingArguments,
  type ReportTo,
  OPTIMIZER_NAMES,
  REPORT_TO_INTEGRATIONS,
  TRAINING_ARGUMENT_NAMES,
  TrainingArgumentsError,
  evalMetricKey,
  parseTrainingArguments,
} from './training-arguments.js';
export { HF_ONLY_ARGUMENTS, HF_ONLY_ARGUMENT_NAMES, type ScreenedArguments, screenHfOnlyArguments } from './hf-only-arguments.js';
export type { Batch, TrainDataSource } from './data-source.interface.js';
export { type Example, type InMemoryDataSourceOptions, InMemoryDataSource } from './in-memory.data-source.js';
export { ShardedDataSource } from './sharded.data-source.js';
export type { RatioMetric, Task, TaskMetric, TaskOutput, TaskPassContext } from './task.interface.js';
export { MetricMeans, batchValues, metricOutputs } from './metric-parts.js';
export { type CausalLmLossOptions, type CausalLmModel, CausalLmTask, IGNORE_INDEX, lossTokens } from './causal-lm.task.js';
export type { CausalLmSource, TaskContext, TaskData, TaskDataContext, TaskModel, TaskModelContext, TaskTokenizer } from './task-hooks.js';
export { PRETRAIN_TASK, SFT_TASK, type TaskProvider, registerTasks } from './task-provider.js';
export { collectModuleRngs, hashName, mixSeed, restoreRngs, rngStates, seedRngs } from './rng-registry.js';
export { MODEL_WEIGHTS_FILE, type ModelCheckpointer, type NamedParameterSource, TrainableParametersCheckpointer } from './model-checkpointer.js';
export { type DataPosition, type LogEntry, TRAINER_STATE_FILE, type TrainerState, initialTrainerState, isImprovement, parseTrainerState } from './trainer-state.js';
export {
  CHECKPOINT_FILES,
  CHECKPOINT_PREFIX,
  type TrainingSnapshot,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  rotateCheckpoints,
  saveCheckpoint,
} from './trainer-checkpoint.js';
export { OPTIMIZERS, type TrainingPlan, planTraining } from './trainer-setup.js';
export { type NonFiniteContext, NonFiniteLossError } from './non-finite-loss.error.js';
export { evaluateTask } from './evaluation.js';
export { Trainer, type TrainOptions, type TrainResult } from './trainer.js';
export { STOP_SIGNALS, type StopSignal, installSignalHandlers } from './signal-handler.js';
export { type RegisterTrainerOptions, registerTrainer } from './register-trainer.js';
export type { TrainerCallback } from './callbacks/trainer-callback.interface.js';
export { ProgressBarCallback, type ProgressOutput, formatDuration, formatRate } from './callbacks/progress-bar.callback.js';
export { METRICS_LOG_FILE, MetricsLogCallback } from './callbacks/metrics-log.callback.js';
export { EarlyStoppingCallback } from './callbacks/early-stopping.callback.js';
export { TensorBoardCallback, defaultRunName, resolveLoggingDir } from './callbacks/tensorboard.callback.js';
