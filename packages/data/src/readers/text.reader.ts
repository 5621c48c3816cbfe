import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { SourcedRecord } from './reader.types.js';

/** Plain text, streamed: each non-empty line is one `{ text }` record (as `datasets`' text loader). */
export async function* readText(path: string, displayName: string): AsyncIterable<SourcedRecord> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() !== '') yield { source: { file: displayName, line }, record: { text } };
  }
}
