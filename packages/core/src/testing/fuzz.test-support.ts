import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

// The fuzzing kit every `*.fuzz.spec.ts` uses: one seed, one set of mutations (bit flips, truncation
// at structural boundaries, huge lengths, wrong types, deep nesting, invalid UTF-8), one verdict.
// A parser passes when every input ends in success or in the named, one-line error it documents.

/** The suite's fixed seed: every run mutates the same way, so a failure reproduces. */
export const FUZZ_SEED = 20261204;

/** Longest any one input may take: more is a hang (a loop driven by an untrusted count); a 1 MB YAML value takes 2 s on a loaded CI machine. */
export const FUZZ_CASE_MS = 5_000;

/** Most any one input may grow array buffers by: more is an allocation driven by an untrusted length. */
export const FUZZ_CASE_BYTES = 256 * 2 ** 20;

/** Longest message a refusal may have: one line a person reads, not the input echoed back. */
const MAX_MESSAGE = 1_000;

/** Errors that only come from inside a parser's own code (a missed check), never a deliberate refusal. */
const INTERNAL_ERRORS = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

export interface FuzzTarget {
  /** What the report calls it (`safetensors header`). */
  readonly name: string;
  /** Valid inputs to mutate: each must parse as they are. */
  readonly seeds: readonly Uint8Array[];
  /** Parses one input; a thrown error is judged by `named`. */
  readonly parse: (bytes: Uint8Array) => unknown;
  /** The parser's own error types: anything else that escapes is a crash. */
  readonly named: readonly (abstract new (...args: never[]) => Error)[];
  /** The input is text of this syntax: adds wrong-type, deep-nesting and huge-value mutations of the parsed document. */
  readonly text?: TextSyntax;
  /** Byte offsets worth cutting at or overwriting with huge numbers (binary formats: length fields, header end). */
  readonly boundaries?: (bytes: Uint8Array) => number[];
}

/** How a text format reads into a value and writes back (YAML targets pass the CLI's own `yaml`). */
export interface TextSyntax {
  parse(text: string): unknown;
  render(value: unknown): string;
}

export const JSON_SYNTAX: TextSyntax = { parse: (t) => JSON.parse(t), render: (v) => JSON.stringify(v) };

export interface FuzzReport {
  readonly name: string;
  readonly cases: number;
  readonly parsed: number;
  /** Error message per class name, one example each, so a report shows what users would read. */
  readonly errors: Record<string, number>;
  readonly slowestMs: number;
}

const utf8 = new TextEncoder();
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Positions where a text format changes structure: after every bracket, quote, separator and line break. */
function textBoundaries(bytes: Uint8Array): number[] {
  const out: number[] = [];
  bytes.forEach((b, i) => '{}[]":,\n'.includes(String.fromCharCode(b)) && out.push(i, i + 1));
  return out;
}

const HUGE_NUMBERS = ['1e308', '-1', '-0', '0', '4294967296', '9007199254740993', '99999999999999999999999', '1e-320', '2147483648', '1.5'];
const WRONG_VALUES: readonly unknown[] = [null, true, false, 0, -1, 1e308, -1e308, 0.5, '', 'x', '\u0000', [], {}, [[]], { a: {} }, ['a', 1, null], 2 ** 53 + 2];
/** Byte sequences that are not UTF-8: a lone continuation, a cut sequence, an overlong NUL, a surrogate, 0xFF. */
const BAD_UTF8 = [[0x80], [0xc3], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80]];

function flipBits(bytes: Uint8Array, bits: readonly number[]): Uint8Array {
  const out = bytes.slice();
  for (const bit of bits) if (out.length) out[(bit >>> 3) % out.length] ^= 1 << (bit & 7);
  return out;
}

function insert(bytes: Uint8Array, at: number, extra: ArrayLike<number>): Uint8Array {
  const i = bytes.length ? at % (bytes.length + 1) : 0;
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes.subarray(0, i));
  out.set(extra, i);
  out.set(bytes.subarray(i), i + extra.length);
  return out;
}

/** Writes `value` as a little-endian u64 at `at` (a length or offset field turned huge). */
function overwriteU64(bytes: Uint8Array, at: number, value: bigint): Uint8Array {
  const out = bytes.slice();
  if (out.length < 8) return out;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(Math.min(at, out.length - 8), value, true);
  return out;
}

/** The value at a path, replaced (a random walk into the parsed document). */
function replaceAt(value: unknown, steps: readonly number[], replacement: (old: unknown) => unknown): unknown {
  if (steps.length === 0 || value === null || typeof value !== 'object') return replacement(value);
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement(value);
  const key = keys[steps[0] % keys.length];
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[key] = replaceAt(copy[key], steps.slice(1), replacement);
  return copy;
}

const nest = (depth: number, open: string, close: string, inner: string): string => open.repeat(depth) + inner + close.repeat(depth);

/** Every mutation of one seed, as one arbitrary: each case is a single named mutation. */
function mutationsOf(target: FuzzTarget, seed: Uint8Array): fc.Arbitrary<{ kind: string; bytes: Uint8Array }> {
  const len = Math.max(1, seed.length);
  const cuts = [...new Set([0, seed.length - 1, ...(target.text ? textBoundaries(seed) : []), ...(target.boundaries?.(seed) ?? [])])].filter((c) => c >= 0 && c < seed.length);
  const offsets = target.boundaries?.(seed) ?? [0];
  const kinds: fc.Arbitrary<{ kind: string; bytes: Uint8Array }>[] = [
    fc.array(fc.nat(len * 8 - 1), { minLength: 1, maxLength: 6 }).map((bits) => ({ kind: 'bit flips', bytes: flipBits(seed, bits) })),
    fc.constantFrom(...(cuts.length ? cuts : [0])).map((at) => ({ kind: 'truncation', bytes: seed.slice(0, at) })),
    fc.tuple(fc.nat(), fc.constantFrom(...BAD_UTF8)).map(([at, bad]) => ({ kind: 'invalid UTF-8', bytes: insert(seed, at, bad) })),
    fc.tuple(fc.constantFrom(...offsets), fc.constantFrom(2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n, 2n ** 32n, 2n ** 31n - 1n)).map(([at, v]) => ({ kind: 'huge length', bytes: overwriteU64(seed, at, v) })),
  ];
  if (target.text) {
    const text = decode(seed);
    const { render } = target.text;
    const parsed = target.text.parse(text);
    const numbers = [...text.matchAll(/-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g)].map((m) => [m.index, m[0].length] as const);
    const steps = fc.array(fc.nat(), { maxLength: 6 });
    if (numbers.length) {
      kinds.push(
        fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(...HUGE_NUMBERS)).map(([[at, n], v]) => ({ kind: 'huge number', bytes: utf8.encode(text.slice(0, at) + v + text.slice(at + n)) })),
      );
    }
    kinds.push(
      fc.tuple(steps, fc.constantFrom(...WRONG_VALUES)).map(([path, v]) => ({ kind: 'wrong type', bytes: utf8.encode(render(replaceAt(parsed, path, () => v))) })),
      fc.tuple(steps, fc.constantFrom(3_000, 50_000)).map(([path, depth]) => ({
        kind: 'deep nesting',
        // Rendered, then the marker is swapped for the nested text: built by string ops, not by a recursive renderer.
        bytes: utf8.encode(render(replaceAt(parsed, path, () => '@@NEST@@')).replace(/"?@@NEST@@"?/, nest(depth, '[', ']', '1'))),
      })),
      fc.tuple(steps, fc.constantFrom(10_000, 1_000_000)).map(([path, n]) => ({ kind: 'huge value', bytes: utf8.encode(render(replaceAt(parsed, path, () => 'x'.repeat(n)))) })),
    );
  }
  return fc.oneof(...kinds);
}

/** What is wrong with how `error` escaped the parser, or null when it is a proper refusal. */
export function judgeError(error: unknown, named: FuzzTarget['named']): string | null {
  if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
  const isNamed = named.some((cls) => error instanceof cls);
  if (!isNamed && INTERNAL_ERRORS.some((cls) => error instanceof cls)) return `crashed inside: ${error.name}: ${error.message}`;
  if (!isNamed) return `threw ${error.name}, not one of ${named.map((c) => c.name).join(', ')}: ${error.message}`;
  if (error.message.trim() === '') return `${error.name} with an empty message`;
  if (error.message.includes('\n')) return `${error.name} spans several lines: ${JSON.stringify(error.message.slice(0, 300))}`;
  if (error.message.length > MAX_MESSAGE) return `${error.name} message is ${error.message.length} characters (it quotes the input whole?): ${error.message.slice(0, 200)}...`;
  return null;
}

/**
 * Runs `runs` mutated inputs (spread over the seeds) through the parser under the fixed seed and
 * fails on the first crash, unnamed error, multi-line message, hang or oversized allocation.
 */
export async function fuzzParser(target: FuzzTarget, runs: number): Promise<FuzzReport> {
  for (const seed of target.seeds) await target.parse(seed); // the seeds themselves must parse
  const report = { name: target.name, cases: 0, parsed: 0, errors: {} as Record<string, number>, slowestMs: 0 };
  const arbitrary = fc.integer({ min: 0, max: target.seeds.length - 1 }).chain((i) => mutationsOf(target, target.seeds[i]));
  await fc.assert(
    fc.asyncProperty(arbitrary, async ({ kind, bytes }) => {
      report.cases++;
      const buffersBefore = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      let problem: string | null = null;
      try {
        await target.parse(bytes);
        report.parsed++;
      } catch (error) {
        problem = judgeError(error, target.named);
        if (!problem) report.errors[(error as Error).name] = (report.errors[(error as Error).name] ?? 0) + 1;
      }
      const ms = performance.now() - started;
      report.slowestMs = Math.max(report.slowestMs, ms);
      const grown = process.memoryUsage().arrayBuffers - buffersBefore;
      if (!problem && ms > FUZZ_CASE_MS) problem = `took ${ms.toFixed(0)} ms`;
      if (!problem && grown > FUZZ_CASE_BYTES) problem = `grew array buffers by ${(grown / 2 ** 20).toFixed(0)} MiB`;
      if (problem) throw new Error(`${target.name}, ${kind} (${bytes.length} bytes): ${problem}`);
    }),
    { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true },
  );
  return report;
}

/** One line per parser for the suite's output: how many cases ran and how they ended. */
export function describeFuzzReport(r: FuzzReport): string {
  const errors = Object.entries(r.errors).map(([k, n]) => `${n} ${k}`).join(', ');
  return `fuzz ${r.name}: ${r.cases} cases, ${r.parsed} parsed, ${errors || 'no errors'}; slowest ${r.slowestMs.toFixed(0)} ms`;
}

/** A temp folder holding a parser's files, one of which each case overwrites (parsers that read a folder). */
export class FuzzFolder {
  private constructor(readonly dir: string) {}

  /** Copies `files` (name → path or content) into a fresh temp folder. */
  static create(files: Readonly<Record<string, string | Uint8Array>>, copyFrom?: string): FuzzFolder {
    const folder = new FuzzFolder(mkdtempSync(join(tmpdir(), 'tunekit-fuzz-')));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(folder.dir, name), typeof content === 'string' && copyFrom ? readFileSync(join(copyFrom, content)) : content);
    return folder;
  }

  /** Writes one case's bytes under `name`; returns the path. */
  write(name: string, bytes: Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  bytes(name: string): Uint8Array {
    return new Uint8Array(readFileSync(join(this.dir, name)));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
