import type { InjectionToken } from 'tsyringe';
import type { TrainerCallback } from './callbacks/trainer-callback.interface.js';
import type { ModelCheckpointer } from './model-checkpointer.js';
import type { Task } from './task.interface.js';
import type { TaskProvider } from './task-provider.js';
import type { TrainingArguments } from './training-arguments.js';

/** The run's validated `TrainingArguments` (see `parseTrainingArguments`). */
export const TRAINING_ARGUMENTS: InjectionToken<TrainingArguments> = Symbol.for('tunekit.core.TrainingArguments');
/** The task being trained (causal LM, SFT, DPO, ...): how a batch becomes a loss. */
export const TASK: InjectionToken<Task> = Symbol.for('tunekit.core.Task');
/** Tasks by name (`task: sft | pretrain | <plugin>`); consumers take `@injectAll(TASK_PROVIDER)`. */
export const TASK_PROVIDER: InjectionToken<TaskProvider> = Symbol.for('tunekit.core.TaskProvider');
/** Writes/reads the trained weights in a checkpoint; the LoRA package registers an adapter one. */
export const MODEL_CHECKPOINTER: InjectionToken<ModelCheckpointer> = Symbol.for('tunekit.core.ModelCheckpointer');
/** Event-bus subscribers attached for each run; register any number, the trainer takes them all. */
export const CALLBACK: InjectionToken<TrainerCallback> = Symbol.for('tunekit.core.TrainerCallback');
