import os from 'node:os';
import { inject, injectable } from 'tsyringe';
import type { ExecutorChoice } from '../executor-choice.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import { VERSION } from '../version.js';
import type { Command } from './command.interface.js';

/** `tunekit info`: what this installation runs on (useful in bug reports). */
@injectable()
export class InfoCommand implements Command {
  readonly name = 'info';
  readonly summary = 'Show version, executor and machine details';
  readonly usage = 'tunekit info [--json]';

  constructor(@inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice) {}

  async run(argv: string[]): Promise<number> {
    const info = {
      tunekit: VERSION,
      node: process.version,
      executor: this.executors.create().name,
      cpus: os.availableParallelism(),
      memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${process.platform}-${process.arch}`,
    };
    if (argv.includes('--json')) console.log(JSON.stringify(info));
    else for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(10)} ${v}`);
    return 0;
  }
}
