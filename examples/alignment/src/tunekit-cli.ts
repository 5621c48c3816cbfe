/** The demo drives the `tunekit` command as a user would, echoing its output and keeping it for parsing. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../apps/cli/bin/tunekit.js', import.meta.url));

/**
 * Runs `tunekit ...args`; resolves with its stdout, rejects with the exit code and stderr. Each
 * stdout line is echoed with `label` in front (runs go side by side); `echo` false keeps it quiet.
 */
export function tunekit(args: readonly string[], echo = true, label = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (echo) process.stdout.write(d.toString().replace(/^(?=.)/gm, label));
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`tunekit ${args.join(' ')} exited with ${code}\n${stderr}`))));
  });
}

/** The `accuracy: 12.0% -> 94.5%` line `tunekit train` prints last when the run has an `evaluation:` section. */
export function accuracyLine(stdout: string): { before: number; after: number } {
  const m = /^accuracy: ([\d.]+)% -> ([\d.]+)%$/m.exec(stdout);
  if (!m) throw new Error(`no "accuracy: before -> after" line in the run's output`);
  return { before: Number(m[1]) / 100, after: Number(m[2]) / 100 };
}
