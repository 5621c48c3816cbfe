/**
 * One `bench:methods` case in its own process: the CLI's `main` with the given arguments (as the
 * `tunekit` bin runs it), then this process's peak RSS as the last stdout line. VmHWM, not
 * getrusage: getrusage's maxrss would count the parent's resident set at fork.
 *
 * Run: npx tsx scripts/bench/methods/train-child.ts train CONFIG.yaml [--set ...]
 */
import { readFileSync } from 'node:fs';
import { main } from '@tunekit/cli';
import { PEAK_RSS_PREFIX } from './run-output.js';

const code = await main(process.argv.slice(2));
const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
if (!hwm) throw new Error('no VmHWM in /proc/self/status (bench:methods needs Linux)');
console.log(`${PEAK_RSS_PREFIX}${hwm[1]}`);
process.exitCode = code;
