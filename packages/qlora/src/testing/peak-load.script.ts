/**
 * Run as its own process by load-4bit.spec.ts: loads a model folder (plainly or 4-bit while
 * loading) and prints the growth of peak RSS over the process's RSS before the load, in bytes.
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '@tunekit/models';
import { Linear4bit } from '../layers/linear-4bit.js';
import { loadModel4bit } from '../loading/load-4bit.js';

const [mode, dir] = process.argv.slice(2);
const before = process.memoryUsage().rss;
const loaded = mode === '4bit' ? await loadModel4bit(dir!, { doubleQuant: true }) : await loadModel(dir!);
// VmHWM is this process's own high-water mark; getrusage's maxRSS would include the RSS of the
// parent at fork time (Linux carries it across exec), i.e. the test runner's.
const hwm = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const peak = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
const quantizedBytes = [...loaded.model.namedModules()].map(([, m]) => m).reduce((s, m) => s + (m instanceof Linear4bit ? m.quantizedBytes() : 0), 0);
const parameterBytes = [...loaded.model.namedParameters()].reduce((s, [, p]) => s + p.value.data.byteLength, 0);
console.log(JSON.stringify({ mode, growth: peak - before, quantizedBytes, parameterBytes }));
