import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `TUNEKIT_CACHE/cuda` when set, else `~/.cache/tunekit/cuda`. */
export function defaultCubinCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.TUNEKIT_CACHE ? join(env.TUNEKIT_CACHE, 'cuda') : join(homedir(), '.cache', 'tunekit', 'cuda');
}

export interface CubinKey {
  readonly source: string;
  /** `sm_90`. */
  readonly arch: string;
  /** The compiler's version: a newer NVRTC may generate other code from the same source. */
  readonly compiler: string;
}

/**
 * Compiled kernels on disk, `<dir>/<arch>/<sha256>.cubin`, keyed by source, architecture and
 * compiler, so a second run (or a second process) skips NVRTC. A cache that cannot be written
 * (read-only home, full disk) only costs the compile; it never fails a run.
 */
export class CubinCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string = defaultCubinCacheDir()) {}

  static keyOf(key: CubinKey): string {
    return createHash('sha256').update(`${key.compiler}\0${key.arch}\0${key.source}`).digest('hex');
  }

  pathOf(key: CubinKey): string {
    return join(this.dir, key.arch, `${CubinCache.keyOf(key)}.cubin`);
  }

  get(key: CubinKey, compile: () => Uint8Array): Uint8Array {
    const path = this.pathOf(key);
    try {
      const cached = readFileSync(path);
      this.hits++;
      return new Uint8Array(cached.buffer, cached.byteOffset, cached.byteLength);
    } catch {
      // Not cached yet (or unreadable): compile it.
    }
    this.misses++;
    const cubin = compile();
    try {
      mkdirSync(join(this.dir, key.arch), { recursive: true });
      // Written aside and renamed, so a reader in another process never sees half a cubin.
      const staging = `${path}.${process.pid}.tmp`;
      writeFileSync(staging, cubin);
      renameSync(staging, path);
    } catch {
      // A cache that cannot be written only costs the next compile.
    }
    return cubin;
  }
}
