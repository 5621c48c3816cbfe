import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { type KeyPath, type Locate, isMapping } from './config-error.js';
import { type Override, applyOverrides, parseOverride } from './overrides.js';
import { type YamlSource, parseYamlSource } from './yaml-source.js';

/** A config file with its `--set` overrides applied, not yet validated. */
export interface ConfigDocument {
  readonly file: string;
  readonly baseDir: string;
  readonly raw: Record<string, unknown>;
  /** Points at a key: `--set a.b` when an override wrote it, else `file:line`. */
  readonly locate: Locate;
}

const startsWith = (path: KeyPath, prefix: KeyPath): boolean => prefix.length <= path.length && prefix.every((k, i) => path[i] === k);

function inFile(data: unknown, path: KeyPath): boolean {
  let node = data;
  for (const key of path) {
    if (!isMapping(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

function locator(source: YamlSource, overrides: readonly Override[]): Locate {
  return (path) => {
    const set =
      overrides.find((o) => startsWith(path, o.path)) ??
      // A key the file does not have, under an override that created it (`--set trainig.seed=1`).
      (inFile(source.data, path) ? undefined : overrides.find((o) => startsWith(o.path, path)));
    return set ? `--set ${set.path.join('.')}` : `${source.file}:${source.lineOf(path)}`;
  };
}

/** Reads and parses the file, applies `--set key.path=value` overrides in order. */
export async function readConfigDocument(file: string, sets: readonly string[] = []): Promise<ConfigDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
  const source = parseYamlSource(text, file);
  const overrides = sets.map(parseOverride);
  return { file, baseDir: dirname(resolve(file)), raw: applyOverrides(source.data, overrides), locate: locator(source, overrides) };
}
