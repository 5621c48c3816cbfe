import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from './version.js';

const bin = fileURLToPath(new URL('../bin/tunekit.js', import.meta.url));
const run = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** The exit status and stderr of a run that must fail. */
function failure(...args: string[]): { status: number; stderr: string } {
  try {
    run(...args);
  } catch (e) {
    return e as { status: number; stderr: string };
  }
  return expect.unreachable('should exit non-zero');
}

describe('tunekit bin', () => {
  it('prints its version', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(run('--version').trim()).toBe(VERSION);
  });

  it('prints help listing its commands', () => {
    const out = run('--help');
    expect(out).toContain(`tunekit ${VERSION}`);
    expect(out).toMatch(/Commands:\n\s+info\s+Show version/);
  });

  it('reports an unknown command with exit code 2 and no stack trace', () => {
    const err = failure('frobnicate');
    expect(err.status).toBe(2);
    expect(err.stderr).toContain('unknown command "frobnicate"');
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a command resolved through the container', () => {
    const info = JSON.parse(run('info', '--json'));
    expect(info.tunekit).toBe(VERSION);
    expect(info.executor).toBe('ort');
  });

  it('runs any command on the executor --executor names, and refuses an unregistered one listing the registered', () => {
    expect(JSON.parse(run('info', '--executor', 'reference', '--json')).executor).toBe('reference');
    expect(JSON.parse(run('info', '--json', '--executor=ort')).executor).toBe('ort');
    const err = failure('info', '--executor', 'tpu');
    expect(err.status).toBe(2);
    expect(err.stderr.trim()).toBe('tunekit info: --executor: unknown executor "tpu"; choose one of ort, reference, cuda');
  });

  it('loads --plugin before any command, and names a plugin it cannot load', () => {
    const err = failure('info', '--plugin', './no-such-plugin.mjs');
    expect(err.status).toBe(2);
    expect(err.stderr.trim()).toMatch(/^tunekit: plugin "\.\/no-such-plugin\.mjs": cannot load it \(/);
  });
});
