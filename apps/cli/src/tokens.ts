import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { ExecutorChoice } from './executor-choice.js';

/**
 * The CLI's root container, for commands that build a child per run (`train` registers the run's
 * task, arguments and plugins there, leaving the root as it was).
 */
export const ROOT_CONTAINER: InjectionToken<DependencyContainer> = Symbol.for('tunekit.cli.RootContainer');

/** `--executor` as given (or not) on the command line, to create the executor a command runs on. */
export const EXECUTOR_CHOICE: InjectionToken<ExecutorChoice> = Symbol.for('tunekit.cli.ExecutorChoice');
