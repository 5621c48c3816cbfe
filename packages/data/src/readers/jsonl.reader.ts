import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { SourcedRecord } from './reader.types.js';
import { parsedJson } from './record-check.js';

/**
 * JSON Lines, streamed: one line in memory at a time, so a file larger than memory reads fine.
 * Blank lines are skipped (editors and `cat` leave them) but still counted for line numbers.
 */
export async function* readJsonl(path: string, displayName: string): AsyncIterable<SourcedRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    yield parsedJson(line === 1 ? text.replace(/^\uFEFF/, '') : text, { file: displayName, line });
  }
}
