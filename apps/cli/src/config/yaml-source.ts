import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';
import { CliError } from '../cli-error.js';

/** A parsed YAML file that still knows where each key was written, for errors that name a line. */
export interface YamlSource {
  /** What errors print: the path as the user gave it. */
  readonly file: string;
  readonly data: unknown;
  /** 1-based line of the deepest key of `path` present in the file (the file's first line if none is). */
  lineOf(path: readonly string[]): number;
}

/** Parses YAML text; a syntax error becomes one line `file:line:col: message`. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a key written twice an error, not a silent last-one-wins.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new CliError(`${file}:${at.line}:${at.col}: ${error.message.split('\n')[0]}`, 2);
  }
  const lineOf = (path: readonly string[]): number => {
    let node: unknown = doc.contents;
    let offset = 0;
    for (const key of path) {
      if (!isMap(node)) break;
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    }
    return lineCounter.linePos(offset).line;
  };
  return { file, data: doc.toJS() ?? {}, lineOf };
}
