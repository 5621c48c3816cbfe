import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMU_RUNTIME } from './emu-runtime.js';
import { EMU_SHIM } from './emu-shim.js';

const CACHE = join(tmpdir(), 'tunekit-cuda-emulator');
const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 24);

/** The reason the emulator cannot run here (printed, for the spec that skips), or null: it needs g++ with C++17. */
export function emulatorUnavailable(): string | null {
  try {
    execFileSync('g++', ['--version'], { stdio: 'pipe' });
    return null;
  } catch {
    const reason = 'g++ is not on PATH (the CUDA emulator compiles kernels as host C++ with it)';
    console.log(`CUDA emulator specs skipped: ${reason}`);
    return reason;
  }
}

const run = promisify(execFile);

/** Runs g++ without blocking the event loop (vitest's workers must keep answering while it compiles). */
async function gxx(args: string[], what: string): Promise<void> {
  try {
    await run('g++', ['-std=c++17', '-O1', '-w', ...args]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`CUDA emulator: g++ failed on ${what}:\n${stderr.slice(0, 4000)}`);
  }
}

/** Builds `name` by `make(tmpPath)` unless it is cached; the rename keeps parallel spec files from seeing half a file. */
async function cached(name: string, make: (tmp: string) => Promise<void>): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, name);
  if (existsSync(path)) return path;
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await make(tmp);
  renameSync(tmp, path);
  return path;
}

function runtimeObject(): Promise<string> {
  return cached(`runtime-${hash(EMU_RUNTIME)}.o`, async (tmp) => {
    const src = `${tmp}.cpp`;
    writeFileSync(src, EMU_RUNTIME);
    await gxx(['-c', src, '-o', tmp], 'the emulator runtime').finally(() => rmSync(src, { force: true }));
  });
}

/** `#define`d names of a source, undefined after it so the next source in the same file starts clean. */
const definedMacros = (source: string): string[] => [...source.matchAll(/^#define (\w+)/gm)].map((m) => m[1]);

/**
 * The translation unit for a set of kernel sources: each in its own namespace (their preludes
 * repeat), then a table mapping entry names to invokers that unpack CUDA-style `void** args`.
 */
export function kernelsUnit(kernels: ReadonlyMap<string, string>): string {
  const sources = [...new Set(kernels.values())];
  const parts = [EMU_SHIM, '#include <utility>', 'struct TkKernel { const char* name; void (*invoke)(void**); };'];
  sources.forEach((src, i) => parts.push(`namespace tk_s${i} {\n${src}\n}`, ...definedMacros(src).map((m) => `#undef ${m}`)));
  parts.push(
    'template <typename... P, std::size_t... I> static void tk_call_impl(void (*f)(P...), void** a, std::index_sequence<I...>) { f(*static_cast<P*>(a[I])...); }',
    'template <typename... P> static void tk_call(void (*f)(P...), void** a) { tk_call_impl(f, a, std::index_sequence_for<P...>{}); }',
    'extern "C" const TkKernel tk_kernels[] = {',
    ...[...kernels].map(([entry, src]) => `  {"${entry}", [](void** a) { tk_call(&tk_s${sources.indexOf(src)}::${entry}, a); }},`),
    '  {"", nullptr}};',
    `extern "C" const int tk_kernel_count = ${kernels.size};`,
  );
  return parts.join('\n');
}

/** An executable that runs jobs with these kernels (entry → source), compiled once per set and cached by hash. */
export async function emulatorBinary(kernels: ReadonlyMap<string, string>): Promise<string> {
  const runtime = await runtimeObject();
  const unit = kernelsUnit(kernels);
  return cached(`plan-${hash(runtime + unit)}`, async (tmp) => {
    const src = `${tmp}.cpp`;
    writeFileSync(src, unit);
    await gxx([src, runtime, '-o', tmp], `kernels ${[...kernels.keys()].join(', ')}`).finally(() => rmSync(src, { force: true }));
  });
}
