import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SourcedRecord } from '../readers/reader.types.js';

/** A fresh directory under the OS temp dir, with files written relative to it. */
export class TempDir {
  private constructor(readonly root: string) {}

  static async create(): Promise<TempDir> {
    return new TempDir(await mkdtemp(join(tmpdir(), 'tunekit-data-')));
  }

  async write(relative: string, content: string | Uint8Array): Promise<string> {
    const path = join(this.root, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return path;
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function collect(rows: AsyncIterable<SourcedRecord>): Promise<SourcedRecord[]> {
  const out: SourcedRecord[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

export const jsonl = (records: readonly unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
