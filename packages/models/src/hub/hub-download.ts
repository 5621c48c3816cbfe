import { HubApiError, datasetInfo, downloadFile, listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describeRepo, RepoCache, type RepoRef, type RepoType } from './hub-cache.js';
import type { HubSettings } from './hub-env.js';
import { HubDownloadError, HubMissingFilesError } from './hub.errors.js';
import type { FilePlan, RepoFiles } from './repo-file-plan.js';

/** Called as bytes of a file arrive: `bytesTotal` is the size the Hub announced. */
export type DownloadProgress = (file: string, bytesDone: number, bytesTotal: number) => void;

export interface HubClient {
  settings: HubSettings;
  /** Replaces the global fetch for every Hub request (a proxy, or a fake Hub in tests). */
  fetch?: typeof fetch;
  onProgress?: DownloadProgress;
}

/** A file as the Hub's tree listing describes it. */
interface RemoteFile {
  path: string;
  size: number;
  /** Its blob name in the cache: the LFS sha256 for LFS files, else the git blob oid (what huggingface_hub uses). */
  etag: string;
  lfs: boolean;
}

type RepoInfoParams = { name: string; revision: string; hubUrl: string; accessToken?: string; fetch?: typeof fetch };

const COMMIT_OF_REVISION: Readonly<Record<RepoType, (params: RepoInfoParams) => Promise<string>>> = {
  model: async (params) => (await modelInfo({ ...params, additionalFields: ['sha'] })).sha,
  dataset: async (params) => (await datasetInfo({ ...params, additionalFields: ['sha'] })).sha,
};

/** What an HTTP failure most likely means for a user, by status. */
const STATUS_HINTS: Readonly<Record<number, string>> = {
  401: 'the repository is private or gated: set HF_TOKEN or pass a token',
  403: 'the token has no access: accept the model licence on its Hub page, or use a token with read access',
  404: 'no such repository or revision',
};

async function onHub<T>(repo: RepoRef, revision: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const hint = e instanceof HubApiError ? STATUS_HINTS[e.statusCode] : undefined;
    const detail = hint === undefined ? (e as Error).message : `${hint} (${(e as Error).message})`;
    throw new Error(`${describeRepo(repo, revision)}: ${detail}`, { cause: e });
  }
}

/** Listing paths come from the server and are joined onto the cache: refuse any that could leave it. */
function assertSafePath(repo: RepoRef, path: string): void {
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '')) {
    throw new HubDownloadError(repo, path, 'unsafe file path in the Hub listing');
  }
}

function remoteFile(repo: RepoRef, entry: ListFileEntry): RemoteFile {
  assertSafePath(repo, entry.path);
  const etag = entry.lfs?.oid ?? entry.oid;
  if (etag === undefined) throw new HubDownloadError(repo, entry.path, 'the Hub listing gives no oid for it');
  return { path: entry.path, size: entry.lfs?.size ?? entry.size, etag, lfs: entry.lfs !== undefined };
}

/** The etag of a file is a hash of its bytes: sha256 for LFS, git's `blob <size>\0` sha1 otherwise. */
function contentHash(file: RemoteFile): Hash {
  return file.lfs ? createHash('sha256') : createHash('sha1').update(`blob ${file.size}\0`);
}

/** Downloads or re-links snapshot files of one commit into the cache. */
class SnapshotWriter {
  constructor(
    private readonly cache: RepoCache,
    private readonly commit: string,
    private readonly client: HubClient,
  ) {}

  async ensure(file: RemoteFile): Promise<void> {
    if (await this.cache.hasSnapshotFile(this.commit, file.path)) return;
    if (!(await this.cache.hasBlob(file.etag))) await this.downloadBlob(file);
    await this.cache.linkSnapshotFile(this.commit, file.path, file.etag);
  }

  /** Streams the file to a temporary name, checks its size and hash, then renames it into blobs/. */
  private async downloadBlob(file: RemoteFile): Promise<void> {
    const { repo } = this.cache;
    const { settings, fetch, onProgress } = this.client;
    const blob = await onHub(repo, this.commit, () =>
      downloadFile({
        repo: { type: repo.type, name: repo.id },
        path: file.path,
        revision: this.commit,
        hubUrl: settings.endpoint,
        accessToken: settings.token,
        fetch,
      }),
    );
    if (blob === null) throw new HubDownloadError(repo, file.path, `listed at commit ${this.commit} but the Hub cannot serve it`);

    const temp = `${this.cache.blobPath(file.etag)}.${randomUUID()}.incomplete`;
    await mkdir(dirname(temp), { recursive: true });
    const hash = contentHash(file);
    let bytes = 0;
    const out = await open(temp, 'w');
    try {
      onProgress?.(file.path, 0, file.size);
      const reader = blob.stream().getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        await out.write(chunk.value);
        hash.update(chunk.value);
        bytes += chunk.value.byteLength;
        onProgress?.(file.path, bytes, file.size);
      }
    } catch (e) {
      await out.close();
      await rm(temp, { force: true });
      throw new HubDownloadError(repo, file.path, `download failed after ${bytes} bytes: ${(e as Error).message}`, { cause: e });
    }
    await out.close();
    const digest = hash.digest('hex');
    const problem =
      bytes !== file.size ? `received ${bytes} bytes, the Hub announced ${file.size}` : digest !== file.etag ? `content hash ${digest} does not match its etag ${file.etag}` : undefined;
    if (problem !== undefined) {
      await rm(temp, { force: true });
      throw new HubDownloadError(repo, file.path, problem);
    }
    await this.cache.commitBlob(temp, file.etag);
  }
}

/**
 * Fetches what `plan` asks for from the Hub into the huggingface_hub cache layout, as
 * `snapshot_download` does: revision → commit (recorded in refs/), blobs named by etag, snapshot
 * links. Files already cached are not downloaded again. Returns the snapshot folder.
 */
export async function downloadSnapshot(repo: RepoRef, revision: string, plan: FilePlan, client: HubClient): Promise<string> {
  const { settings, fetch } = client;
  const cache = new RepoCache(settings.cacheDir, repo);
  const common = { hubUrl: settings.endpoint, accessToken: settings.token, fetch };
  const commit = await onHub(repo, revision, () => COMMIT_OF_REVISION[repo.type]({ ...common, name: repo.id, revision }));
  await cache.writeRef(revision, commit);

  const listing = await onHub(repo, revision, async () => {
    const files = new Map<string, RemoteFile>();
    for await (const entry of listFiles({ ...common, repo: { type: repo.type, name: repo.id }, revision: commit, recursive: true })) {
      if (entry.type === 'file') files.set(entry.path, remoteFile(repo, entry));
    }
    return files;
  });

  const writer = new SnapshotWriter(cache, commit, client);
  const snapshot = cache.snapshotDir(commit);
  const remote: RepoFiles = {
    paths: new Set(listing.keys()),
    readText: async (path) => {
      await writer.ensure(listing.get(path)!);
      return readFile(join(snapshot, path), 'utf8');
    },
  };
  const choice = await plan(remote);
  if (choice.missing.length > 0) throw new HubMissingFilesError(repo, revision, choice.missing, 'hub', commit);
  for (const path of choice.files) await writer.ensure(listing.get(path)!);
  return snapshot;
}
