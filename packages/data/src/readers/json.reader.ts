import { readFile } from 'node:fs/promises';
import { DataRowError } from '../errors.js';
import { readJsonl } from './jsonl.reader.js';
import type { SourcedRecord } from './reader.types.js';
import { parsedJson } from './record-check.js';

/**
 * A JSON array of records. The whole file is read (a JSON array cannot be parsed in pieces without
 * a streaming parser; large datasets belong in JSONL or Parquet). Each element is cut out by a small
 * scanner and parsed on its own, so errors carry the element's line and one bad element is one bad
 * row, not a failed file. A `.json` file that is really JSON Lines (common on the Hub, and read
 * that way by `datasets`) is streamed as JSON Lines.
 */
export async function* readJson(path: string, displayName: string): AsyncIterable<SourcedRecord> {
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const first = text.search(/\S/);
  if (first < 0 || text[first] !== '[') {
    yield* readJsonl(path, displayName);
    return;
  }
  for (const element of arrayElements(text, first, displayName)) {
    yield parsedJson(element.text, { file: displayName, line: element.line });
  }
}

interface Element {
  text: string;
  line: number;
}

/** Splits a top-level JSON array into its elements' source text, tracking strings and nesting. */
function* arrayElements(text: string, open: number, file: string): Generator<Element> {
  let line = 1 + countNewlines(text, 0, open);
  let depth = 0;
  let inString = false;
  let start = -1;
  let startLine = line;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (start < 0 && !/\s/.test(c) && c !== ',' && c !== ']') {
      start = i;
      startLine = line;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) {
        if (c === '}') throw new DataRowError({ file, line }, '', 'invalid JSON: unexpected "}" in the top-level array');
        if (start >= 0) yield { text: text.slice(start, i), line: startLine };
        return;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      if (start >= 0) yield { text: text.slice(start, i), line: startLine };
      start = -1;
    }
  }
  throw new DataRowError({ file, line }, '', 'expected a JSON array of records, but the array is not closed');
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
