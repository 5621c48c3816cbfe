import { lstat, mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeHub, bytesOf, etagOf, type FakeFile, type FakeRepo } from './fake-hub.fixture.js';
import { HubDownloadError, HubMissingFilesError } from './hub.errors.js';
import { resolveDataset, resolveModel } from './hub-resolve.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const V1_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';

const index = JSON.stringify({
  metadata: { total_size: 2048 },
  weight_map: { 'embed.weight': 'model-00001-of-00002.safetensors', 'head.weight': 'model-00002-of-00002.safetensors' },
});
const shard1 = new Uint8Array(1500).map((_, i) => i % 251);
const modelFiles: FakeFile[] = [
  { path: 'config.json', content: '{"model_type": "qwen3"}' },
  { path: 'generation_config.json', content: '{"eos_token_id": [1, 2]}' },
  { path: 'tokenizer.json', content: '{"model": {}}' },
  { path: 'tokenizer_config.json', content: '{}' },
  { path: 'README.md', content: '# not wanted' },
  { path: 'model.safetensors.index.json', content: index },
  { path: 'model-00001-of-00002.safetensors', content: shard1, lfs: true },
  { path: 'model-00002-of-00002.safetensors', content: new Uint8Array(548).fill(7), lfs: true },
  { path: 'consolidated.safetensors', content: new Uint8Array(2048), lfs: true },
];
const model: FakeRepo = { type: 'model', id: 'org/tiny', commit: COMMIT, refs: { 'v1.0': V1_COMMIT }, files: modelFiles };
const wanted = modelFiles.filter((f) => !['README.md', 'consolidated.safetensors'].includes(f.path));

describe('resolveModel downloading from a (fake, in-memory) Hub', () => {
  let cacheDir: string;
  let hub: FakeHub;
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tunekit-dl-'));
    hub = new FakeHub([model]);
    vi.stubEnv('HF_HUB_OFFLINE', '');
    vi.stubEnv('HF_TOKEN', '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const resolve = (options: Parameters<typeof resolveModel>[1] = {}) =>
    resolveModel('org/tiny', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch, ...options });

  it('writes blobs, snapshot links and refs exactly as huggingface_hub does', async () => {
    const snapshot = await resolve();
    const repoDir = join(cacheDir, 'models--org--tiny');
    expect(snapshot).toBe(join(repoDir, 'snapshots', COMMIT));
    expect(await readFile(join(repoDir, 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect((await readdir(join(repoDir, 'snapshots', COMMIT))).sort()).toEqual(wanted.map((f) => f.path).sort());
    for (const file of wanted) {
      const pointer = join(snapshot, file.path);
      expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
      // Relative links, blob named by the git oid or (LFS) the sha256.
      expect(await readlink(pointer)).toBe(`../../blobs/${etagOf(file)}`);
      expect(new Uint8Array(await readFile(pointer))).toEqual(bytesOf(file.content));
    }
    expect((await readdir(join(repoDir, 'blobs'))).sort()).toEqual(wanted.map(etagOf).sort());
  });

  it('downloads only the shards the index lists, each once', async () => {
    await resolve();
    const fetched = hub.downloads.map((url) => url.split('/').pop());
    expect(fetched.sort()).toEqual(wanted.map((f) => f.path).sort());
  });

  it('downloads nothing again when the snapshot is complete', async () => {
    await resolve();
    const before = hub.downloads.length;
    await resolve();
    expect(hub.downloads.length).toBe(before);
  });

  it('re-links an existing blob instead of downloading it for a new commit', async () => {
    await resolve();
    const before = hub.downloads.length;
    const v1 = await resolve({ revision: 'v1.0' });
    expect(v1).toBe(join(cacheDir, 'models--org--tiny', 'snapshots', V1_COMMIT));
    expect(hub.downloads.length).toBe(before); // same contents, same etags: every blob is shared
    expect(await readFile(join(cacheDir, 'models--org--tiny', 'refs', 'v1.0'), 'utf8')).toBe(V1_COMMIT);
  });

  it('writes no ref for a revision given as a commit hash', async () => {
    await resolve({ revision: COMMIT });
    await expect(readdir(join(cacheDir, 'models--org--tiny', 'refs'))).rejects.toThrow(/ENOENT/);
  });

  it('reports progress up to each file size', async () => {
    const progress: [string, number, number][] = [];
    await resolve({ onProgress: (file, done, total) => progress.push([file, done, total]) });
    const shard = progress.filter(([file]) => file === 'model-00001-of-00002.safetensors');
    expect(shard[0]).toEqual(['model-00001-of-00002.safetensors', 0, 1500]);
    expect(shard.at(-1)).toEqual(['model-00001-of-00002.safetensors', 1500, 1500]);
    expect(shard.every(([, done], i) => i === 0 || done > shard[i - 1][1])).toBe(true);
    expect(new Set(progress.map(([file]) => file))).toEqual(new Set(wanted.map((f) => f.path)));
  });

  it('then resolves offline from what it wrote', async () => {
    const snapshot = await resolve();
    const requests = hub.requests.length;
    expect(await resolve({ offline: true })).toBe(snapshot);
    expect(hub.requests.length).toBe(requests);
  });

  it('reports a revision the Hub does not know', async () => {
    await expect(resolve({ revision: 'nope' })).rejects.toThrow(/^model org\/tiny@nope: no such repository or revision \(Invalid rev id: nope/);
  });

  it('lists patterns the repository cannot satisfy, naming the commit', async () => {
    await expect(resolve({ allowPatterns: ['config.json', 'vocab.txt'] })).rejects.toThrow(
      new HubMissingFilesError({ type: 'model', id: 'org/tiny' }, 'main', ['vocab.txt'], 'hub', COMMIT),
    );
  });

  it('deletes a download whose bytes do not match its etag, and says so', async () => {
    hub = new FakeHub([{ ...model, files: modelFiles.map((f) => (f.path === 'model-00002-of-00002.safetensors' ? { ...f, corrupt: true } : f)) }]);
    const error = await resolve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubDownloadError);
    expect((error as Error).message).toMatch(/^model org\/tiny: model-00002-of-00002\.safetensors: content hash [0-9a-f]{64} does not match its etag [0-9a-f]{64}$/);
    const blobs = await readdir(join(cacheDir, 'models--org--tiny', 'blobs'));
    expect(blobs.some((b) => b.endsWith('.incomplete'))).toBe(false);
    expect(blobs).not.toContain(etagOf(modelFiles[7]));
  });
});

describe('gated repos and tokens', () => {
  let cacheDir: string;
  const gated: FakeRepo = { type: 'model', id: 'meta/gated', commit: COMMIT, files: modelFiles.slice(0, 4).concat([{ path: 'model.safetensors', content: 'w', lfs: true }]), requiredToken: 'hf_secret' };
  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'tunekit-gated-'));
    vi.stubEnv('HF_HUB_OFFLINE', '');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('explains a 401 without a token', async () => {
    vi.stubEnv('HF_TOKEN', '');
    const hub = new FakeHub([gated]);
    await expect(resolveModel('meta/gated', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch })).rejects.toThrow(
      /^model meta\/gated@main: the repository is private or gated: set HF_TOKEN or pass a token/,
    );
  });

  it('sends HF_TOKEN on every request, and lets the token option override it', async () => {
    vi.stubEnv('HF_TOKEN', 'hf_secret');
    const hub = new FakeHub([gated]);
    await resolveModel('meta/gated', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch });
    expect(new Set(hub.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer hf_secret']));
    vi.stubEnv('HF_TOKEN', 'hf_wrong');
    await expect(resolveModel('meta/gated', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch })).rejects.toThrow(/private or gated/);
    await resolveModel('meta/gated', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch, token: 'hf_secret' });
  });
});

describe('resolveDataset downloading', () => {
  it('caches dataset repos under datasets--org--name, nested paths linked with ../ per level', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'tunekit-ds-'));
    const files: FakeFile[] = [
      { path: 'README.md', content: '# chats' },
      { path: 'data/train-00000-of-00001.parquet', content: new Uint8Array(64).fill(1), lfs: true },
    ];
    const hub = new FakeHub([{ type: 'dataset', id: 'org/chats', commit: COMMIT, files }]);
    try {
      const snapshot = await resolveDataset('org/chats', { cacheDir, endpoint: hub.endpoint, fetch: hub.fetch, offline: false });
      expect(snapshot).toBe(join(cacheDir, 'datasets--org--chats', 'snapshots', COMMIT));
      expect(await readlink(join(snapshot, 'data', 'train-00000-of-00001.parquet'))).toBe(`../../../blobs/${etagOf(files[1])}`);
      expect(await readFile(join(snapshot, 'README.md'), 'utf8')).toBe('# chats');
      expect(hub.requests.every((r) => r.url.startsWith('https://hub.test/api/datasets/') || r.url.startsWith('https://hub.test/datasets/'))).toBe(true);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
