import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileError, readJsonObject, writeJsonFile } from './json-file.js';

describe('readJsonObject and writeJsonFile', () => {
  it('round-trips an object written as transformers writes JSON', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'tunekit-json-')), 'config.json');
    await writeJsonFile(file, { b: 1, a: [true, null] });
    expect(await readFile(file, 'utf8')).toBe('{\n  "b": 1,\n  "a": [\n    true,\n    null\n  ]\n}\n');
    expect(await readJsonObject(file)).toEqual({ b: 1, a: [true, null] });
    await writeJsonFile(file, { c: 2 });
    expect(await readJsonObject(file)).toEqual({ c: 2 });
  });

  it('names the file in every error; a missing optional file is null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tunekit-json-'));
    const [missing, bad, list] = ['missing.json', 'bad.json', 'list.json'].map((n) => join(dir, n));
    await writeFile(bad, '{"a":');
    await writeFile(list, '[1, 2]');
    expect(await readJsonObject(missing, { optional: true })).toBeNull();
    const err = await readJsonObject(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonFileError);
    expect((err as JsonFileError).message).toMatch(new RegExp(`^${missing}: cannot read: ENOENT`));
    expect(((err as JsonFileError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await expect(readJsonObject(bad)).rejects.toThrow(new RegExp(`^${bad}: invalid JSON: `));
    await expect(readJsonObject(list, { optional: true })).rejects.toThrow(`${list}: expected a JSON object`);
  });
});
