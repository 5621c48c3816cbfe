import { writeFile } from 'node:fs/promises';
import { injectable } from 'tsyringe';
import { parseCommandArgs } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import { EXAMPLE_CONFIG } from '../config/example-config.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit init [FILE]';
const DEFAULT_FILE = 'tunekit.yaml';

/** `tunekit init`: a commented example config to edit, never written over an existing file. */
@injectable()
export class InitCommand implements Command {
  readonly name = 'init';
  readonly summary = 'Write a commented example training config';
  readonly usage = `${USAGE}\n\nWrites FILE (default ${DEFAULT_FILE}); refuses to overwrite one that exists.`;

  async run(argv: string[]): Promise<number> {
    const { positionals } = parseCommandArgs(argv, {}, USAGE);
    if (positionals.length > 1) throw new UsageError(`expected at most one file; usage: ${USAGE}`);
    const file = positionals[0] ?? DEFAULT_FILE;
    try {
      // 'wx': create only, atomically with the existence check.
      await writeFile(file, EXAMPLE_CONFIG, { flag: 'wx' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(code === 'EEXIST' ? `${file} already exists; not overwriting it` : `${file}: cannot write (${code ?? (e as Error).message})`);
    }
    console.log(`wrote ${file}; edit it, then run: tunekit train ${file}`);
    return 0;
  }
}
