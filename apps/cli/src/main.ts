import { COMMAND, type Command } from './commands/command.interface.js';
import type { DependencyContainer } from 'tsyringe';
import { takeGlobalFlag } from './args.js';
import { loadPlugin } from './training/plugins.js';
import { CliError } from './cli-error.js';
import { buildContainer } from './container.js';
import { VERSION } from './version.js';

function help(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    `tunekit ${VERSION} — fine-tune large language models from TypeScript`,
    '',
    'Usage: tunekit <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help       Show help (also: tunekit <command> --help)',
    '  -v, --version    Print the version',
    '  --executor NAME  Run on a registered executor: ort (default), reference, or a plugin\'s (any command)',
    '  --plugin P       Load a plugin package or file first (repeatable; train reads plugins: from its config)',
  ].join('\n');
}

/** Parsers that list several problems put each on its own line; the CLI's contract is one line. */
const oneLine = (message: string): string =>
  message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');

/** Entry point: returns the process exit code; user errors print one line, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...given] = argv;
  if (first === '-v' || first === '--version' || first === 'version') {
    console.log(VERSION);
    return 0;
  }
  let container: DependencyContainer;
  let rest: string[];
  try {
    const executor = takeGlobalFlag(given, '--executor');
    const plugins = takeGlobalFlag(executor.rest, '--plugin');
    rest = plugins.rest;
    const last = executor.values.at(-1);
    container = buildContainer(last === undefined ? {} : { executor: last });
    // A run config lists its plugins itself; other commands (an adapter of a plugin's method) take --plugin.
    for (const specifier of plugins.values) await (await loadPlugin(specifier, process.cwd())).register(container);
  } catch (e) {
    console.error(`tunekit: ${(e as Error).message}`);
    return e instanceof CliError ? e.exitCode : 1;
  }
  const commands = container.resolveAll(COMMAND);
  if (!first || first === '-h' || first === '--help' || first === 'help') {
    console.log(help(commands));
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    console.error(`tunekit: unknown command "${first}"\n\n${help(commands)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    console.error(`tunekit ${command.name}: ${oneLine(e instanceof Error ? e.message : String(e))}`);
    if (process.env.TUNEKIT_DEBUG) console.error(e);
    return e instanceof CliError ? e.exitCode : 1;
  }
}
