import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDirAtomically } from './atomic-dir.js';

describe('writeDirAtomically', () => {
  it('creates a folder, replaces an existing one, and leaves no staging folder behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tunekit-atomic-'));
    const dir = join(root, 'nested', 'out');
    await writeDirAtomically(dir, (s) => writeFile(join(s, 'a.txt'), 'one'));
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('one');
    await writeDirAtomically(dir, (s) => writeFile(join(s, 'b.txt'), 'two'));
    expect(await readdir(dir)).toEqual(['b.txt']);
    expect(await readdir(join(root, 'nested'))).toEqual(['out']);
  });

  it('keeps the old folder intact when writing the new one fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tunekit-atomic-'));
    const dir = join(root, 'out');
    await writeDirAtomically(dir, (s) => writeFile(join(s, 'a.txt'), 'old'));
    const failing = writeDirAtomically(dir, async (s) => {
      await writeFile(join(s, 'half.txt'), 'partial');
      throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(await readdir(dir)).toEqual(['a.txt']);
    expect(await readdir(root)).toEqual(['out']);
  });
});
