import { stat } from 'node:fs/promises';
import { cachedSnapshot } from './cached-snapshot.js';
import type { RepoRef, RepoType } from './hub-cache.js';
import { downloadSnapshot, type DownloadProgress } from './hub-download.js';
import { hubSettings, type HubSettingsOverrides } from './hub-env.js';
import { modelFilePlan, patternFilePlan, type FilePlan } from './repo-file-plan.js';

export interface ResolveOptions extends HubSettingsOverrides {
  /** Branch, tag or commit hash; `main` by default. */
  revision?: string;
  /** huggingface_hub-style `allow_patterns` (`*.json`, `data/`), replacing the default file set. */
  allowPatterns?: readonly string[];
  /** Replaces the global fetch for every Hub request. */
  fetch?: typeof fetch;
  /** Progress of each file actually downloaded (cached files are not reported). */
  onProgress?: DownloadProgress;
}

/** huggingface_hub's `validate_repo_id`: `name` or `org/name`, word characters, `-` and `.`, no `--` or `..`. */
const REPO_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;

/** Shapes that can only be a filesystem path, so a missing one is reported as a missing folder, not sent to the Hub. */
const LOOKS_LIKE_PATH = /^(?:[./~]|[A-Za-z]:[\\/])|\\/;

/** What a resolve without `allowPatterns` fetches, per repository type. */
const DEFAULT_PLANS: Readonly<Record<RepoType, FilePlan>> = {
  model: modelFilePlan,
  // Datasets have no fixed layout: take everything, as `snapshot_download` does.
  dataset: patternFilePlan(['*']),
};

async function existingLocal(path: string, type: RepoType): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    if (LOOKS_LIKE_PATH.test(path)) throw new Error(`${path}: no such ${type === 'model' ? 'folder' : 'file or folder'}`);
    return false;
  }
  if (type === 'model' && !info.isDirectory()) throw new Error(`${path}: is a file; a model path must be a folder holding config.json`);
  return true;
}

async function resolveRepo(idOrPath: string, type: RepoType, options: ResolveOptions): Promise<string> {
  if (await existingLocal(idOrPath, type)) return idOrPath;
  if (!REPO_ID.test(idOrPath) || idOrPath.includes('--') || idOrPath.includes('..')) {
    throw new Error(`${JSON.stringify(idOrPath)} is neither an existing path nor a Hub repo id (org/name)`);
  }
  const repo: RepoRef = { type, id: idOrPath };
  const revision = options.revision ?? 'main';
  const plan = options.allowPatterns === undefined ? DEFAULT_PLANS[type] : patternFilePlan(options.allowPatterns);
  const settings = hubSettings(options);
  return settings.offline
    ? cachedSnapshot(settings.cacheDir, repo, revision, plan)
    : downloadSnapshot(repo, revision, plan, { settings, fetch: options.fetch, onProgress: options.onProgress });
}

/**
 * A model as a local folder: an existing path as given, else a Hub repo id resolved through the
 * huggingface_hub cache (downloading what is missing unless HF_HUB_OFFLINE is set). By default it
 * fetches config.json, the tokenizer and generation files that exist, and the safetensors weights.
 */
export function resolveModel(idOrPath: string, options: ResolveOptions = {}): Promise<string> {
  return resolveRepo(idOrPath, 'model', options);
}

/** A dataset repository (`datasets--org--name` in the cache) as a local folder; all files unless `allowPatterns` narrows them. */
export function resolveDataset(idOrPath: string, options: ResolveOptions = {}): Promise<string> {
  return resolveRepo(idOrPath, 'dataset', options);
}
