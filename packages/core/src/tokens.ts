import type { InjectionToken } from 'tsyringe';
import type { EventBus } from './events/event-bus.js';
import type { Executor } from './executors/executor.interface.js';

/**
 * Typed DI tokens of the core package. Plugins register providers under them; consumers take
 * `@inject(TOKEN)` / `@injectAll(TOKEN)`. Only a composition root (the CLI or a user's script)
 * builds a container.
 */
export const EXECUTOR: InjectionToken<Executor> = Symbol.for('tunekit.core.Executor');
export const EVENT_BUS: InjectionToken<EventBus> = Symbol.for('tunekit.core.EventBus');

/** Named executor factories, so a config can pick `executor: reference | ort | cuda`. */
export interface ExecutorProvider {
  readonly name: string;
  create(): Executor;
}
export const EXECUTOR_PROVIDER: InjectionToken<ExecutorProvider> = Symbol.for('tunekit.core.ExecutorProvider');
