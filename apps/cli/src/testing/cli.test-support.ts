import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, type Module, Rng, Tensor, fromFloat32, type Executor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, HfTokenizer, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { LORA_METHOD } from '@tunekit/peft-lora';

const BIN = fileURLToPath(new URL('../../bin/tunekit.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `tunekit` bin in a child process, as a user would; `input` is written to its stdin. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // TUNEKIT_DEBUG from the test runner's shell would add stacks to every error this suite checks.
    const env = { ...process.env, TUNEKIT_DEBUG: '', ...options.env };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    // Closed at once either way: a command that reads stdin sees the input, then its end.
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the real `tunekit` bin without waiting for it, for tests that signal or kill it mid-run. */
export function spawnCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcessByStdio<null, Readable, Readable> {
  const env = { ...process.env, TUNEKIT_DEBUG: '', ...options.env };
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every tensor of a safetensors file as f32, by name. */
export async function readTensors(file: string): Promise<Map<string, Float32Array>> {
  const st = await SafetensorsFile.open(file);
  try {
    const out = new Map<string, Float32Array>();
    for await (const [name, t] of st.entries()) out.set(name, t.toFloat32());
    return out;
  } finally {
    await st.close();
  }
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/** A temp folder with a tiny llama checkpoint at `model/` and helpers to write files next to it. */
export class Workspace {
  private constructor(readonly root: string) {}

  static async create(): Promise<Workspace> {
    const ws = new Workspace(await mkdtemp(join(tmpdir(), 'tunekit-cli-')));
    await ws.createModel('model');
    return ws;
  }

  get model(): string {
    return join(this.root, 'model');
  }

  path(name: string): string {
    return join(this.root, name);
  }

  /**
   * A random llama checkpoint whose vocabulary is exactly its tokenizer's, so every id a random
   * model generates decodes (the tiny preset pads its vocab past the tiny tokenizer).
   */
  async createModel(name: string): Promise<string> {
    const dir = this.path(name);
    const first = await createTinyModel({ arch: 'llama', dir, seed: 1 });
    const vocab = (await HfTokenizer.fromDir(dir)).vocabSize;
    if (first.config.vocab !== vocab) await createTinyModel({ arch: 'llama', dir, seed: 1, vocab });
    return dir;
  }

  async write(name: string, content: string): Promise<string> {
    await writeFile(this.path(name), content);
    return this.path(name);
  }

  async jsonl(name: string, records: readonly unknown[]): Promise<string> {
    return this.write(name, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Question/answer records a tiny model can learn in a few dozen steps. */
export const yesRecords = (n: number): { prompt: string; completion: string }[] => Array.from({ length: n }, (_, i) => ({ prompt: `Q${i}:`, completion: ' yes' }));

/** Gives the matching parameters random values, so an adapter changes the model's output. */
export function randomize(model: Module, match: (name: string) => boolean, seed: number, scale = 0.2): void {
  const rng = new Rng(seed);
  for (const [name, p] of model.namedParameters()) {
    if (!match(name)) continue;
    const v = Float32Array.from({ length: p.size }, () => (rng.uniform() * 2 - 1) * scale);
    p.assign(new HostTensor(p.dtype, p.shape, fromFloat32(p.dtype, v)));
  }
}

/** Saves a LoRA adapter for `modelDir` whose B matrices are non-zero (a fresh LoRA is the identity). */
export async function saveRandomAdapter(modelDir: string, adapterDir: string, seed = 3): Promise<void> {
  const { model } = await loadModel(modelDir);
  const handle = LORA_METHOD.apply(model, LORA_METHOD.parseConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'] }), { seed });
  randomize(model, (n) => n.includes('lora_B'), seed);
  await handle.save(adapterDir, { baseModel: modelDir });
}

export const IDS = HostTensor.i64([2, 6], [1, 5, 9, 13, 200, 7, 3, 99, 4, 42, 17, 8]);

export async function logits(model: CausalLM, executor: Executor): Promise<Float32Array> {
  const out = model.call(Tensor.input('ids', IDS.shape, 'i64')).logits;
  const [host] = await executor.compile([out]).run({ ids: IDS });
  return host.toFloat32();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
