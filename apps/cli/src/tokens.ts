import type { DependencyContainer, InjectionToken } from 'tsyringe';

/**
 * The CLI's root container, for commands that build a child per run (`train` registers the run's
 * task, arguments and plugins there, leaving the root as it was).
 */
export const ROOT_CONTAINER: InjectionToken<DependencyContainer> = Symbol.for('tunekit.cli.RootContainer');
