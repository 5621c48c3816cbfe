import { lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, copyFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** The repository kinds TuneKit reads: models and datasets. */
export type RepoType = 'model' | 'dataset';

export interface RepoRef {
  type: RepoType;
  /** `org/name` (or a bare `name` for the few legacy top-level repos). */
  id: string;
}

const COMMIT_HASH = /^[0-9a-f]{40}$/;

export const isCommitHash = (revision: string): boolean => COMMIT_HASH.test(revision);

export const describeRepo = (repo: RepoRef, revision: string): string => `${repo.type} ${repo.id}@${revision}`;

/**
 * One repository's folder in the huggingface_hub cache:
 *
 *     models--org--name/
 *       blobs/<etag>                      file contents, named by git oid (or sha256 for LFS files)
 *       snapshots/<commit>/<path>         symlinks into ../../blobs
 *       refs/<revision>                   the commit a branch or tag pointed to when last fetched
 *
 * Python and TuneKit share this cache, so every name here must match huggingface_hub's byte for byte.
 */
export class RepoCache {
  readonly dir: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: RepoRef,
  ) {
    this.dir = join(cacheDir, [`${repo.type}s`, ...repo.id.split('/')].join('--'));
  }

  blobPath(etag: string): string {
    return join(this.dir, 'blobs', etag);
  }

  snapshotDir(commit: string): string {
    return join(this.dir, 'snapshots', commit);
  }

  refPath(revision: string): string {
    return join(this.dir, 'refs', revision);
  }

  /** The commit a revision means here: itself if it is a commit hash, else what refs/ recorded; undefined if never fetched. */
  async commitOf(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    try {
      const commit = (await readFile(this.refPath(revision), 'utf8')).trim();
      if (!isCommitHash(commit)) throw new Error(`${this.refPath(revision)}: expected a 40-character commit hash, found ${JSON.stringify(commit)}`);
      return commit;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    // A commit hash names itself; huggingface_hub writes refs only for branches and tags.
    if (revision === commit) return;
    const path = this.refPath(revision);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, commit);
  }

  /** True when the snapshot file exists and its blob is still there (a dangling link counts as absent). */
  async hasSnapshotFile(commit: string, file: string): Promise<boolean> {
    return stat(join(this.snapshotDir(commit), file)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async hasBlob(etag: string): Promise<boolean> {
    return lstat(this.blobPath(etag)).then(
      () => true,
      () => false,
    );
  }

  /** Every file of a snapshot, as repo-relative paths with `/` separators. */
  async snapshotFiles(commit: string): Promise<string[]> {
    const root = this.snapshotDir(commit);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      if (!entry.isDirectory() && (await stat(path).then((s) => s.isFile(), () => false))) {
        files.push(relative(root, path).split('\\').join('/'));
      }
    }
    return files.sort();
  }

  /** Moves a fully written temporary file into blobs/ under its etag. */
  async commitBlob(tempPath: string, etag: string): Promise<void> {
    await rename(tempPath, this.blobPath(etag));
  }

  /**
   * Points snapshots/<commit>/<file> at its blob with a relative link (`../../blobs/<etag>`, one
   * more `..` per folder level), as huggingface_hub does so a moved cache stays valid. Where links
   * are not allowed (Windows without developer mode), the blob is copied, as huggingface_hub falls back.
   */
  async linkSnapshotFile(commit: string, file: string, etag: string): Promise<string> {
    const pointer = join(this.snapshotDir(commit), file);
    await mkdir(dirname(pointer), { recursive: true });
    await rm(pointer, { force: true });
    const blob = this.blobPath(etag);
    await symlink(relative(dirname(pointer), blob), pointer).catch(() => copyFile(blob, pointer));
    return pointer;
  }
}
