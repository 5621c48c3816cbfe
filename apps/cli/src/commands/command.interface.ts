import type { InjectionToken } from 'tsyringe';

/** One `tunekit <name>` subcommand. Commands are registered in the container under COMMAND. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full usage text shown by `tunekit <name> --help`. */
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

export const COMMAND: InjectionToken<Command> = Symbol.for('tunekit.cli.Command');
