import { writeFile } from 'node:fs/promises';
import { TASK_PROVIDER, type TaskProvider } from '@tunekit/core';
import { injectAll, injectable } from 'tsyringe';
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import { EXAMPLE_CONFIG } from '../config/example-config.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit init [FILE] [--task NAME]';
const DEFAULT_FILE = 'tunekit.yaml';

/** `tunekit init`: a commented example config to edit, never written over an existing file. */
@injectable()
export class InitCommand implements Command {
  readonly name = 'init';
  readonly summary = 'Write a commented example training config';
  readonly usage = `${USAGE}\n\nWrites FILE (default ${DEFAULT_FILE}); refuses to overwrite one that exists. --task writes that task's example (a task plugin brings its own).`;

  constructor(@injectAll(TASK_PROVIDER) private readonly tasks: TaskProvider[]) {}

  /** The SFT example, or the named task's own. */
  private example(task: string | undefined): string {
    if (task === undefined || task === 'sft') return EXAMPLE_CONFIG;
    const own = this.tasks.find((t) => t.name === task)?.exampleConfig;
    if (own === undefined) throw new UsageError(`--task ${task}: no example config; tasks with one: ${['sft', ...this.tasks.filter((t) => t.exampleConfig).map((t) => t.name)].join(', ')}`);
    return own;
  }

  async run(argv: string[]): Promise<number> {
    const { positionals, values } = parseCommandArgs(argv, { task: { type: 'string' } }, USAGE);
    if (positionals.length > 1) throw new UsageError(`expected at most one file; usage: ${USAGE}`);
    const file = positionals[0] ?? DEFAULT_FILE;
    const example = this.example(values.task);
    try {
      // 'wx': create only, atomically with the existence check.
      await writeFile(file, example, { flag: 'wx' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(code === 'EEXIST' ? `${file} already exists; not overwriting it` : `${file}: cannot write (${code ?? (e as Error).message})`);
    }
    console.log(`wrote ${file}; edit it, then run: tunekit train ${file}`);
    return 0;
  }
}
