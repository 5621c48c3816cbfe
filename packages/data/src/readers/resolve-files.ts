import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** Files of a Hub dataset, as `hf://datasets/<owner>/<name>[@<revision>]/<path or glob>` names them. */
export interface HubFilesRef {
  readonly repoType: 'dataset';
  readonly repo: string;
  readonly revision?: string;
  /** A path in the repo, or a glob (`data/train-*.parquet`). */
  readonly pattern: string;
}

/**
 * Makes the repo's files matching `pattern` available locally (downloading or finding them in the
 * Hub cache) and returns the local snapshot folder they are in. Injected by the caller so data holds
 * no Hub code; with the models package that is
 * `(ref) => resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] })`.
 */
export type HubFilesResolver = (ref: HubFilesRef) => Promise<string>;

export interface DataFile {
  /** What is opened. */
  readonly path: string;
  /** What errors print: the path as the user wrote it (relative stays relative), or the hf:// reference. */
  readonly displayName: string;
}

export interface ResolveOptions {
  readonly cwd?: string;
  readonly resolveHubFiles?: HubFilesResolver;
}

const HUB_PREFIX = 'hf://datasets/';

/**
 * Expands `path` (one path, a list, globs, hf:// references) into files in a stable order: each
 * entry in the order given, a glob's matches sorted, duplicates dropped. A pattern that matches
 * nothing is an error: silently training on fewer files than meant is worse than stopping.
 */
export async function resolveDataFiles(paths: string | readonly string[], options: ResolveOptions = {}): Promise<DataFile[]> {
  const cwd = options.cwd ?? process.cwd();
  const files: DataFile[] = [];
  const seen = new Set<string>();
  for (const entry of typeof paths === 'string' ? [paths] : paths) {
    for (const file of await expand(entry, cwd, options.resolveHubFiles)) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      files.push(file);
    }
  }
  if (files.length === 0) throw new Error('dataset path: no files given');
  return files;
}

async function expand(entry: string, cwd: string, resolveHubFiles: HubFilesResolver | undefined): Promise<DataFile[]> {
  if (!entry.startsWith(HUB_PREFIX)) return expandLocal(entry, cwd, (name) => name);
  const ref = parseHubRef(entry);
  if (!resolveHubFiles) throw new Error(`dataset path: ${entry} is a Hub reference, but no Hub resolver was given to loadDataset`);
  const snapshot = await resolveHubFiles(ref);
  const prefix = entry.slice(0, entry.length - ref.pattern.length);
  return expandLocal(ref.pattern, snapshot, (name) => `${prefix}${name}`);
}

/** `pattern` (a path or glob) under `dir`, each file named for errors by `display`. */
async function expandLocal(pattern: string, dir: string, display: (name: string) => string): Promise<DataFile[]> {
  if (isDynamicPattern(pattern)) {
    const matches = await glob(pattern, { cwd: dir, absolute: isAbsolute(pattern), onlyFiles: true, expandDirectories: false });
    if (matches.length === 0) throw new Error(`dataset path: ${display(pattern)} matches no files (in ${dir})`);
    return matches.sort().map((m) => ({ path: resolve(dir, m), displayName: display(m) }));
  }
  const path = resolve(dir, pattern);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new Error(`dataset path: ${display(pattern)} ${info ? 'is not a file' : 'does not exist'} (in ${dir})`);
  return [{ path, displayName: display(pattern) }];
}

function parseHubRef(ref: string): HubFilesRef {
  const m = /^hf:\/\/datasets\/([^/@]+\/[^/@]+)(?:@([^/]+))?\/(.+)$/.exec(ref);
  if (!m) throw new Error(`dataset path: ${ref} is not a Hub file reference; expected hf://datasets/<owner>/<name>[@<revision>]/<file>`);
  const [, repo, revision, pattern] = m;
  return revision === undefined ? { repoType: 'dataset', repo, pattern } : { repoType: 'dataset', repo, revision, pattern };
}
