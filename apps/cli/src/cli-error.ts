import type { StopSignal } from '@tunekit/core';

/**
 * An error the user can fix from its message alone: main prints it as one line, never with a stack
 * trace, and exits with `exitCode` (2 for usage and config mistakes, as shells and getopt do).
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A bad command line: unknown flag, missing argument, malformed value. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message, 2);
  }
}

/** Exit code of a run a signal stopped (128 + the signal's number), as shells report it. */
export const EXIT_ON_SIGNAL: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };
