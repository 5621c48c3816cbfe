import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CubinCache, defaultCubinCacheDir } from './cubin-cache.js';

const root = mkdtempSync(join(tmpdir(), 'tunekit-cubin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const key = { source: 'extern "C" __global__ void k() {}', arch: 'sm_90', compiler: 'nvrtc 13.0' };

describe('CubinCache', () => {
  it('lives in TUNEKIT_CACHE/cuda when set, else in ~/.cache/tunekit/cuda', () => {
    expect(defaultCubinCacheDir({ TUNEKIT_CACHE: '/data/tk' })).toBe('/data/tk/cuda');
    expect(defaultCubinCacheDir({})).toBe(join(homedir(), '.cache', 'tunekit', 'cuda'));
  });

  it('compiles once per source, architecture and compiler; a second cache on the same folder (another process) reads it back', () => {
    const dir = join(root, 'a');
    let compiles = 0;
    const compile = () => Uint8Array.of(++compiles, 0x7f, 0x45);
    const cache = new CubinCache(dir);
    expect([...cache.get(key, compile)]).toEqual([1, 0x7f, 0x45]);
    expect([...cache.get(key, compile)]).toEqual([1, 0x7f, 0x45]);
    expect(readFileSync(cache.pathOf(key))).toEqual(Buffer.from([1, 0x7f, 0x45]));
    expect(cache.pathOf(key)).toMatch(new RegExp(`^${dir}/sm_90/[0-9a-f]{64}\\.cubin$`));
    expect([...new CubinCache(dir).get(key, compile)]).toEqual([1, 0x7f, 0x45]);
    expect(compiles).toBe(1);
    for (const other of [{ ...key, arch: 'sm_80' }, { ...key, compiler: 'nvrtc 12.8' }, { ...key, source: `${key.source}\n` }]) {
      expect(cache.get(other, compile)[0]).toBe(compiles);
    }
    expect(compiles).toBe(4);
    expect([cache.hits, cache.misses]).toEqual([1, 4]);
  });

  it('still compiles, and fails nothing, where the folder cannot be written', () => {
    const dir = join(root, 'ro');
    new CubinCache(dir).get(key, () => Uint8Array.of(1));
    chmodSync(join(dir, 'sm_90'), 0o500);
    const other = { ...key, source: 'other' };
    const cache = new CubinCache(dir);
    if (process.getuid?.() === 0) {
      // root writes through permissions; a cache under a plain file cannot be created by anyone.
      const blocked = new CubinCache(join(cache.pathOf(key), 'below'));
      expect([...blocked.get(other, () => Uint8Array.of(9))]).toEqual([9]);
      expect(existsSync(blocked.pathOf(other))).toBe(false);
    } else {
      expect([...cache.get(other, () => Uint8Array.of(9))]).toEqual([9]);
      expect(existsSync(cache.pathOf(other))).toBe(false);
    }
  });
});
