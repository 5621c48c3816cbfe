import { COMMAND, type Command } from './commands/command.interface.js';
import { takeGlobalFlag } from './args.js';
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
  let executor: string | null;
  let rest: string[];
  try {
    ({ value: executor, rest } = takeGlobalFlag(given, '--executor'));
  } catch (e) {
    console.error(`tunekit: ${(e as Error).message}`);
    return 2;
  }
  const container = buildContainer(executor === null ? {} : { executor });
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
