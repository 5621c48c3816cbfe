/**
 * Typed DI tokens of the core package. Plugins register providers under them; consumers take
 * `@inject(TOKEN)` / `@injectAll(TOKEN)`. Only a composition root (the CLI or a user's script)
 * builds a container. Each token is defined beside what it provides, in its own layer, so that
 * core's imports point one way; this file is the package's one list of them.
 */
export { EVENT_BUS } from './events/event-bus.tokens.js';
export { EXECUTOR, EXECUTOR_PROVIDER } from './executors/executor.tokens.js';
export { EXPORTER } from './export/exporter.tokens.js';
export { CALLBACK, MODEL_CHECKPOINTER, TASK, TASK_PROVIDER, TRAINING_ARGUMENTS } from './trainer/trainer.tokens.js';
