import { createHash } from 'node:crypto';

/**
 * An in-memory Hugging Face Hub speaking the HTTP API that @huggingface/hub calls (repo info, tree
 * listing, resolve with ranges), so download code runs unchanged with no network. Blob ids are
 * computed as the Hub computes them: git blob sha1, and sha256 for LFS files.
 */
export interface FakeFile {
  path: string;
  content: string | Uint8Array;
  /** Stored with Git LFS (weights): listed with an `lfs` block, cached under its sha256. */
  lfs?: boolean;
  /** Serve different bytes (same length) than the listing announces, as a broken mirror would. */
  corrupt?: boolean;
}

export interface FakeRepo {
  type: 'model' | 'dataset';
  id: string;
  commit: string;
  /** Branch and tag names → commit; `main` points at `commit` unless given. Every commit serves the same files. */
  refs?: Record<string, string>;
  files: FakeFile[];
  /** Answer 401 unless this bearer token is sent. */
  requiredToken?: string;
}

export const gitBlobOid = (bytes: Uint8Array): string =>
  createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
export const bytesOf = (content: string | Uint8Array): Uint8Array =>
  typeof content === 'string' ? new TextEncoder().encode(content) : content;
/** The Hub's blob name for a file: what huggingface_hub names the blob in the cache. */
export const etagOf = (file: FakeFile): string => (file.lfs ? sha256(bytesOf(file.content)) : gitBlobOid(bytesOf(file.content)));

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

export interface FakeRequest {
  url: string;
  authorization: string | null;
  /** A `Range: bytes=0-0` request that @huggingface/hub sends to learn a file's size and etag. */
  probe: boolean;
}

type Route = [RegExp, (m: RegExpExecArray, repo: (type: string, id: string) => FakeRepo | undefined, headers: Headers, url: URL) => Response];

export class FakeHub {
  readonly requests: FakeRequest[] = [];
  readonly endpoint = 'https://hub.test';

  constructor(private readonly repos: FakeRepo[]) {}

  /** Requests that fetched file bytes (not API calls or size probes). */
  get downloads(): string[] {
    return this.requests.filter((r) => r.url.includes('/resolve/') && !r.probe).map((r) => r.url);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = new Headers(init?.headers);
    const probe = headers.get('Range') === 'bytes=0-0';
    this.requests.push({ url: url.href, authorization: headers.get('Authorization'), probe });
    for (const [pattern, handle] of this.routes) {
      const m = pattern.exec(decodeURIComponent(url.pathname));
      if (m !== null) return handle(m, (type, id) => this.repos.find((r) => `${r.type}s` === type && r.id === id), headers, url);
    }
    return json(404, { error: `fake hub has no route for ${url.pathname}` });
  };

  private commitOf(repo: FakeRepo, revision: string): string | undefined {
    const refs: Record<string, string> = { main: repo.commit, ...repo.refs };
    return Object.values(refs).includes(revision) ? revision : refs[revision];
  }

  private denied(repo: FakeRepo, headers: Headers): Response | undefined {
    if (repo.requiredToken === undefined || headers.get('Authorization') === `Bearer ${repo.requiredToken}`) return undefined;
    return json(401, { error: `Access to ${repo.type} ${repo.id} is restricted. You must have access to it and be authenticated to access it.` });
  }

  private readonly routes: Route[] = [
    [
      /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/revision\/(.+)$/,
      ([, type, id, revision], find, headers) => {
        const repo = find(type, id);
        if (repo === undefined) return json(404, { error: 'Repository not found' });
        const commit = this.commitOf(repo, revision);
        return this.denied(repo, headers) ?? (commit === undefined
          ? json(404, { error: `Invalid rev id: ${revision}` })
          : json(200, { _id: 'fake', id: repo.id, sha: commit, private: false, lastModified: '2025-01-01T00:00:00.000Z' }));
      },
    ],
    [
      /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/tree\/([^/]+)$/,
      ([, type, id, revision], find, headers) => {
        const repo = find(type, id);
        if (repo === undefined || this.commitOf(repo, revision) === undefined) return json(404, { error: 'not found' });
        return this.denied(repo, headers) ?? json(200, repo.files.map((f) => {
          const bytes = bytesOf(f.content);
          const lfs = f.lfs ? { oid: sha256(bytes), size: bytes.byteLength, pointerSize: 134 } : undefined;
          return { type: 'file', path: f.path, size: bytes.byteLength, oid: gitBlobOid(bytes), ...(lfs && { lfs }) };
        }));
      },
    ],
    [
      /^\/(?:(datasets)\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/,
      ([, datasets, id, revision, path], find, headers) => {
        const repo = find(datasets === undefined ? 'models' : 'datasets', id);
        const file = repo?.files.find((f) => f.path === path);
        if (repo === undefined || file === undefined || this.commitOf(repo, revision) === undefined) {
          return new Response('Entry not found', { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
        }
        const denied = this.denied(repo, headers);
        if (denied !== undefined) return denied;
        const bytes = bytesOf(file.content);
        const served = file.corrupt ? bytes.map((b) => b ^ 0xff) : bytes;
        const etag = { 'ETag': `"${etagOf(file)}"`, ...(file.lfs && { 'X-Linked-Etag': `"${etagOf(file)}"`, 'X-Linked-Size': String(bytes.byteLength) }) };
        if (headers.get('Range') === 'bytes=0-0') {
          return new Response(served.slice(0, 1), { status: 206, headers: { ...etag, 'Content-Range': `bytes 0-0/${bytes.byteLength}` } });
        }
        return new Response(served, { status: 200, headers: { ...etag, 'Content-Length': String(bytes.byteLength) } });
      },
    ],
  ];
}
