import { describeRepo, type RepoRef } from './hub-cache.js';

/** Where the files were looked for: the local cache (offline) or the Hub itself. */
export type MissingIn = 'cache' | 'hub';

/**
 * Files a resolve needed but could not find. It lists every missing file at once, so an offline
 * user can fetch them all in one go (`huggingface-cli download <repo> <files...>`).
 */
export class HubMissingFilesError extends Error {
  override readonly name = 'HubMissingFilesError';

  constructor(
    readonly repo: RepoRef,
    readonly revision: string,
    readonly missing: readonly string[],
    readonly missingIn: MissingIn,
    /** The cache folder (offline) or commit (online) that was searched. */
    readonly searched: string,
  ) {
    super(
      missingIn === 'cache'
        ? `${describeRepo(repo, revision)} is not fully in the Hugging Face cache (HF_HUB_OFFLINE is set, so nothing was downloaded); missing: ${missing.join(', ')}; looked in ${searched}`
        : `${describeRepo(repo, revision)} (commit ${searched}) has no ${missing.join(', ')}`,
    );
  }
}

/** A download whose bytes do not match what the Hub announced; the partial file is deleted. */
export class HubDownloadError extends Error {
  override readonly name = 'HubDownloadError';

  constructor(
    readonly repo: RepoRef,
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${repo.type} ${repo.id}: ${file}: ${detail}`, options);
  }
}
