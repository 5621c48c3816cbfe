import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CudaRuntime } from '@tunekit/kernels-cuda';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tunekit.js', import.meta.url));
const run = (cwd: string, ...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, stdio: 'pipe' });

/** Why CUDA does not open on this machine (the one line the executor gives), or null where it does. */
function cudaMissing(): string | null {
  try {
    CudaRuntime.open().dispose();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function failure(cwd: string, ...args: string[]): { status: number; stderr: string } {
  try {
    run(cwd, ...args);
  } catch (e) {
    return e as { status: number; stderr: string };
  }
  return expect.unreachable('should exit non-zero');
}

describe('the cuda executor from the CLI', () => {
  const missing = cudaMissing();
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-cli-cuda-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(missing === null)('without CUDA, --executor cuda fails with exit 2 and the one line saying what is missing and where it looked', () => {
    const err = failure(dir, 'info', '--executor', 'cuda');
    expect(err.status).toBe(2);
    expect(err.stderr.trim()).toBe(`tunekit info: --executor: ${missing}`);
    expect(err.stderr.trim()).toMatch(/^tunekit info: --executor: executor cuda: missing libcuda\.so\.1 \(the CUDA driver[^\n]*; looked in [^\n]*$/);
  });

  it.skipIf(missing === null)("without CUDA, a run config's `executor: cuda` stops `tunekit train` the same way, before any model is read", () => {
    writeFileSync(join(dir, 'run.yaml'), 'executor: cuda\nmodel: ./no-model-here\ndata: { path: train.jsonl }\n');
    const err = failure(dir, 'train', 'run.yaml');
    expect(err.status).toBe(2);
    expect(err.stderr.trim()).toBe(`tunekit train: ${missing}`);
  });

  it.skipIf(missing !== null)('with CUDA, --executor cuda selects it', () => {
    expect(JSON.parse(run(dir, 'info', '--executor', 'cuda', '--json')).executor).toBe('cuda');
  });
});
