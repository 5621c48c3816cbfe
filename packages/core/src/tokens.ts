import type { InjectionToken } from 'tsyringe';
import type { EventBus } from './events/event-bus.js';
import type { Exporter } from './export/exporter.interface.js';
import type { Executor } from './executors/executor.interface.js';
import type { ExecutorProvider } from './executors/executor-provider.js';
import type { TrainerCallback } from './trainer/callbacks/trainer-callback.interface.js';
import type { ModelCheckpointer } from './trainer/model-checkpointer.js';
import type { Task } from './trainer/task.interface.js';
import type { TaskProvider } from './trainer/task-provider.js';
import type { TrainingArguments } from './trainer/training-arguments.js';

/**
 * Typed DI tokens of the core package. Plugins register providers under them; consumers take
 * `@inject(TOKEN)` / `@injectAll(TOKEN)`. Only a composition root (the CLI or a user's script)
 * builds a container.
 */
export const EXECUTOR: InjectionToken<Executor> = Symbol.for('tunekit.core.Executor');
export const EVENT_BUS: InjectionToken<EventBus> = Symbol.for('tunekit.core.EventBus');
/** Output formats by name (`tunekit export --format NAME`); consumers take `@injectAll(EXPORTER)`. */
export const EXPORTER: InjectionToken<Exporter> = Symbol.for('tunekit.core.Exporter');

/** Named executor factories (see `createExecutor`), so a config can pick `executor: reference | ort | <plugin>`. */
export const EXECUTOR_PROVIDER: InjectionToken<ExecutorProvider> = Symbol.for('tunekit.core.ExecutorProvider');

// --- trainer (packages/core/src/trainer) ---
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
