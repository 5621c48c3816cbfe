import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted tmpfs of a given size, and how to take it away. */
export interface Tmpfs {
  readonly dir: string;
  unmount(): void;
}

/**
 * A real full disk for a test: a small tmpfs. Mounting needs root (CI runs as root); elsewhere the
 * reason comes back as a string, for the suite to skip with.
 */
export function mountTmpfs(bytes: number): Tmpfs | string {
  if (process.getuid?.() !== 0) return 'not root, so no tmpfs can be mounted';
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
