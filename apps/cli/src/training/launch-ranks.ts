import { spawn } from 'node:child_process';
import { availableParallelism, userInfo } from 'node:os';
import { detectWorld } from '@tunekit/core';
import { UsageError } from '../cli-error.js';

/** `--nproc N` and `--nproc=N` taken out of a command line, so the ranks run the same command without it. */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') i++;
    else if (!argv[i].startsWith('--nproc=')) out.push(argv[i]);
  }
  return out;
}

/** mpirun's arguments for N ranks on this machine: root needs leave to run, and more ranks than cores need leave to share them. */
export function mpirunArgs(nproc: number, command: readonly string[], uid = userInfo().uid, cores = availableParallelism()): string[] {
  return ['-np', String(nproc), ...(uid === 0 ? ['--allow-run-as-root'] : []), ...(nproc > cores ? ['--oversubscribe'] : []), ...command];
}

/**
 * `tunekit train --nproc N`: runs the same command as N ranks under `mpirun` on this machine and
 * returns mpirun's exit status (non-zero when any rank failed; mpirun names it).
 */
export async function launchRanks(nproc: string, argv: readonly string[]): Promise<number> {
  const n = Number(nproc);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--nproc must be an integer >= 1, got "${nproc}"`);
  const world = detectWorld();
  if (world.size > 1) throw new UsageError(`--nproc: this process is already rank ${world.rank} of a ${world.size}-process job (${world.launcher}); drop --nproc`);
  const self = [process.execPath, ...process.execArgv, process.argv[1], 'train', ...withoutNproc(argv)];
  const child = spawn('mpirun', mpirunArgs(n, self), { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`--nproc: cannot start mpirun (${e.message}); install Open MPI: apt-get install openmpi-bin libopenmpi-dev`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
