import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parseArgs in strict mode, its errors turned into one-line usage errors. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}; usage: ${usage}`);
  }
}

/**
 * Takes a flag every command accepts (`--executor NAME` or `--executor=NAME`) out of `argv`, so
 * each command's own strict parser never sees it. Returns every value given, in order.
 */
export function takeGlobalFlag(argv: readonly string[], flag: string): { values: string[]; rest: string[] } {
  const rest: string[] = [];
  const values: string[] = [];
  let value: string;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
    else if (arg === flag) {
      value = argv[++i] ?? '';
      if (value.startsWith('-')) value = '';
    } else {
      rest.push(arg);
      continue;
    }
    if (value === '') throw new UsageError(`${flag} needs a value`);
    values.push(value);
  }
  return { values, rest };
}

/** A flag that must be given. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required; usage: ${usage}`);
  return value;
}

/** A positive integer flag, or `fallback` when absent. */
export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
