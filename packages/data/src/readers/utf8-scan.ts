import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** Where a text file is not valid UTF-8. */
export interface Utf8Report {
  /** Lines holding at least one byte sequence that is not UTF-8. */
  readonly invalidLines: number;
  /** The first such line (1-based), or null when the file is clean. */
  readonly firstLine: number | null;
}

const NEWLINE = 0x0a;

/**
 * Finds the lines of a file that are not valid UTF-8, streaming. Node's UTF-8 decoding replaces
 * such bytes with U+FFFD without a word, so the readers cannot tell; this pass can. A clean chunk
 * is one native check; only a chunk that fails is split into lines. The bytes after a chunk's last
 * newline wait for the next chunk, so a character split across chunks is checked whole.
 */
export async function scanUtf8(path: string): Promise<Utf8Report> {
  let line = 1;
  let invalidLines = 0;
  let firstLine: number | null = null;
  let carry: Buffer = Buffer.alloc(0);
  const checkLines = (bytes: Buffer): void => {
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(NEWLINE, start);
      const stop = end < 0 ? bytes.length : end;
      if (!isUtf8(bytes.subarray(start, stop))) {
        invalidLines++;
        firstLine ??= line;
      }
      if (end < 0) return;
      line++;
      start = end + 1;
    }
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      carry = bytes;
      continue;
    }
    const whole = bytes.subarray(0, lastNewline);
    if (isUtf8(whole)) line += countNewlines(whole) + 1;
    else {
      checkLines(whole);
      line++;
    }
    carry = Buffer.from(bytes.subarray(lastNewline + 1));
  }
  if (carry.length) checkLines(carry);
  return { invalidLines, firstLine };
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}
