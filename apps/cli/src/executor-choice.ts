import { EXECUTOR_PROVIDER, type Executor, createExecutor } from '@tunekit/core';
import type { DependencyContainer } from 'tsyringe';
import { CliError } from './cli-error.js';

/** What runs when neither `--executor` nor a config's `executor:` names one. */
export const DEFAULT_EXECUTOR = 'ort';

/**
 * Which registered executor a command runs on: `--executor NAME` (any command) wins over a run
 * config's `executor:`, which wins over DEFAULT_EXECUTOR. The executor is created from the
 * EXECUTOR_PROVIDER registrations of the container asked, so one a plugin registers can be chosen
 * in the run container where that plugin was loaded.
 */
export class ExecutorChoice {
  constructor(
    readonly flag: string | null,
    private readonly root: DependencyContainer,
  ) {}

  /** The chosen name, given what the run config says (if anything). */
  name(configured?: string): string {
    return this.flag ?? configured ?? DEFAULT_EXECUTOR;
  }

  create(container: DependencyContainer = this.root, configured?: string): Executor {
    try {
      return createExecutor(container.resolveAll(EXECUTOR_PROVIDER), this.name(configured));
    } catch (e) {
      throw new CliError(`${this.flag === null ? '' : '--executor: '}${(e as Error).message}`, 2);
    }
  }
}
