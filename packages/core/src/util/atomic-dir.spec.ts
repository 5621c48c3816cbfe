import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishFiles, writeDirAtomically } from './atomic-dir.js';

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

describe('writeDirAtomically with existing: refuse', () => {
  it('refuses an existing folder before and after filling, and leaves it and no staging behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tunekit-atomic-'));
    const dir = join(root, 'out');
    await writeDirAtomically(dir, (s) => writeFile(join(s, 'a.txt'), 'mine'), { existing: 'refuse' });
    await expect(writeDirAtomically(dir, (s) => writeFile(join(s, 'b.txt'), 'x'), { existing: 'refuse' })).rejects.toThrow(`${dir} already exists; choose a new output folder`);
    const late = join(root, 'late');
    // Another writer takes the name while this one fills its staging folder.
    await expect(writeDirAtomically(late, (s) => writeFile(join(s, 'b.txt'), 'x').then(() => mkdir(late)), { existing: 'refuse' })).rejects.toThrow('already exists');
    expect(await readdir(dir)).toEqual(['a.txt']);
    expect((await readdir(root)).sort()).toEqual(['late', 'out']);
  });
});

describe('publishFiles', () => {
  it('adds the staged files beside existing ones and removes the staging folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tunekit-publish-'));
    await writeFile(join(dir, 'keep.txt'), 'old');
    const names = await publishFiles(dir, async (s) => {
      await writeFile(join(s, 'a.txt'), 'a');
      await writeFile(join(s, 'keep.txt'), 'new');
    });
    expect(names.sort()).toEqual(['a.txt', 'keep.txt']);
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'keep.txt']);
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('new');
  });
});
