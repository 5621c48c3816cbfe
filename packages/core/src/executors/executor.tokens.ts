import type { InjectionToken } from 'tsyringe';
import type { ExecutorProvider } from './executor-provider.js';
import type { Executor } from './executor.interface.js';

export const EXECUTOR: InjectionToken<Executor> = Symbol.for('tunekit.core.Executor');
/** Named executor factories (see `createExecutor`), so a config can pick `executor: reference | ort | <plugin>`. */
export const EXECUTOR_PROVIDER: InjectionToken<ExecutorProvider> = Symbol.for('tunekit.core.ExecutorProvider');
