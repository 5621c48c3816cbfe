import type { DependencyContainer } from 'tsyringe';
import { EventBus } from '../events/event-bus.js';
import { EVENT_BUS } from '../events/event-bus.tokens.js';
import { CALLBACK, MODEL_CHECKPOINTER, TASK } from './trainer.tokens.js';
import { EarlyStoppingCallback } from './callbacks/early-stopping.callback.js';
import { MetricsLogCallback } from './callbacks/metrics-log.callback.js';
import { ProgressBarCallback, type ProgressOutput } from './callbacks/progress-bar.callback.js';
import { TensorBoardCallback } from './callbacks/tensorboard.callback.js';
import { TrainableParametersCheckpointer } from './model-checkpointer.js';

export interface RegisterTrainerOptions {
  /** Where the progress bar draws (process.stderr by default); null leaves the bar out. */
  progressOutput?: ProgressOutput | null;
}

/**
 * Registers what `container.resolve(Trainer)` needs besides TRAINING_ARGUMENTS, TASK and EXECUTOR:
 * an event bus and the default model checkpointer unless already registered (a LoRA plugin
 * registers its adapter checkpointer before or after: the last registration wins), and the
 * built-in callbacks under CALLBACK, next to any a plugin adds.
 */
export function registerTrainer(container: DependencyContainer, options: RegisterTrainerOptions = {}): void {
  if (!container.isRegistered(EVENT_BUS, true)) container.register(EVENT_BUS, { useValue: new EventBus() });
  if (!container.isRegistered(MODEL_CHECKPOINTER, true)) {
    container.register(MODEL_CHECKPOINTER, { useFactory: (c) => new TrainableParametersCheckpointer(c.resolve(TASK)) });
  }
  const progress = options.progressOutput === undefined ? process.stderr : options.progressOutput;
  const builtins = [...(progress ? [new ProgressBarCallback(progress)] : []), new MetricsLogCallback(), new TensorBoardCallback(), new EarlyStoppingCallback()];
  for (const callback of builtins) container.register(CALLBACK, { useValue: callback });
}
