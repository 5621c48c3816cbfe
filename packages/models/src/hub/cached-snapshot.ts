import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RepoCache, type RepoRef } from './hub-cache.js';
import { HubMissingFilesError } from './hub.errors.js';
import type { FilePlan } from './repo-file-plan.js';

/**
 * Resolves a revision from the cache alone (HF_HUB_OFFLINE): the commit comes from refs/ (or is
 * the revision itself), and every file the plan needs must already be in that snapshot.
 */
export async function cachedSnapshot(cacheDir: string, repo: RepoRef, revision: string, plan: FilePlan): Promise<string> {
  const cache = new RepoCache(cacheDir, repo);
  const commit = await cache.commitOf(revision);
  const snapshot = commit === undefined ? undefined : cache.snapshotDir(commit);
  const paths = new Set(commit === undefined ? [] : await cache.snapshotFiles(commit));
  const choice = await plan({
    paths,
    readText: (path) => readFile(join(snapshot!, path), 'utf8'),
  });
  if (snapshot === undefined) {
    const missing = choice.missing.length > 0 ? choice.missing : ['every file (this revision was never downloaded)'];
    throw new HubMissingFilesError(repo, revision, missing, 'cache', `${cache.refPath(revision)} (no such ref)`);
  }
  if (choice.missing.length > 0) throw new HubMissingFilesError(repo, revision, choice.missing, 'cache', snapshot);
  return snapshot;
}
