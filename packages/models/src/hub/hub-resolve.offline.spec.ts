import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HubMissingFilesError } from './hub.errors.js';
import { resolveDataset, resolveModel } from './hub-resolve.js';
import { bytesOf, gitBlobOid } from './fake-hub.fixture.js';

const COMMIT = 'a'.repeat(40);
const OLD_COMMIT = 'b'.repeat(40);

/** Writes a repo into a cache by hand, exactly as huggingface_hub lays it out, independently of RepoCache. */
async function cacheRepo(cacheDir: string, folder: string, commit: string, files: Record<string, string>, refs: Record<string, string>): Promise<string> {
  const repoDir = join(cacheDir, folder);
  for (const [path, content] of Object.entries(files)) {
    const etag = gitBlobOid(bytesOf(content));
    await mkdir(join(repoDir, 'blobs'), { recursive: true });
    await writeFile(join(repoDir, 'blobs', etag), content);
    const pointer = join(repoDir, 'snapshots', commit, path);
    await mkdir(dirname(pointer), { recursive: true });
    await symlink(`${'../'.repeat(path.split('/').length + 1)}blobs/${etag}`, pointer);
  }
  for (const [ref, target] of Object.entries(refs)) {
    await mkdir(dirname(join(repoDir, 'refs', ref)), { recursive: true });
    await writeFile(join(repoDir, 'refs', ref), target);
  }
  return join(repoDir, 'snapshots', commit);
}

const refuseNetwork: typeof fetch = async (input) => {
  throw new Error(`offline resolve touched the network: ${String(input)}`);
};

describe('resolveModel offline (HF_HUB_OFFLINE=1) from a huggingface_hub cache', () => {
  let root: string;
  let cacheDir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-hub-'));
    cacheDir = join(root, 'hub');
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    vi.stubEnv('HF_HUB_CACHE', cacheDir);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(root, { recursive: true, force: true });
  });

  const modelFiles = { 'config.json': '{"model_type":"qwen3"}', 'tokenizer.json': '{}', 'model.safetensors': 'weights' };

  it('returns the snapshot that refs/main points to, with no network', async () => {
    const snapshot = await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    expect(await resolveModel('org/tiny', { fetch: refuseNetwork })).toBe(snapshot);
  });

  it('pins a revision by commit hash, or by a tag recorded in refs/', async () => {
    await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    const old = await cacheRepo(cacheDir, 'models--org--tiny', OLD_COMMIT, modelFiles, { 'v1.0': OLD_COMMIT });
    expect(await resolveModel('org/tiny', { revision: OLD_COMMIT })).toBe(old);
    expect(await resolveModel('org/tiny', { revision: 'v1.0' })).toBe(old);
  });

  it('follows the shards of model.safetensors.index.json and names the one missing', async () => {
    const index = JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } });
    await cacheRepo(
      cacheDir,
      'models--org--big',
      COMMIT,
      { 'config.json': '{}', 'model.safetensors.index.json': index, 'model-00001-of-00002.safetensors': 'w1' },
      { main: COMMIT },
    );
    const error = await resolveModel('org/big').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubMissingFilesError);
    expect(error).toMatchObject({ revision: 'main', missing: ['model-00002-of-00002.safetensors'], missingIn: 'cache' });
    expect((error as Error).message).toBe(
      `model org/big@main is not fully in the Hugging Face cache (HF_HUB_OFFLINE is set, so nothing was downloaded); ` +
        `missing: model-00002-of-00002.safetensors; looked in ${join(cacheDir, 'models--org--big', 'snapshots', COMMIT)}`,
    );
  });

  it('counts a snapshot link whose blob was deleted as missing', async () => {
    const snapshot = await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    await rm(join(cacheDir, 'models--org--tiny', 'blobs', gitBlobOid(bytesOf(modelFiles['config.json']))));
    await expect(resolveModel('org/tiny')).rejects.toThrow(`missing: config.json; looked in ${snapshot}`);
  });

  it('lists what is needed when the revision was never downloaded', async () => {
    await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    await expect(resolveModel('org/tiny', { revision: 'dev' })).rejects.toThrow(
      'model org/tiny@dev is not fully in the Hugging Face cache (HF_HUB_OFFLINE is set, so nothing was downloaded); ' +
        `missing: config.json, model.safetensors (or model.safetensors.index.json and its shards); ` +
        `looked in ${join(cacheDir, 'models--org--tiny', 'refs', 'dev')} (no such ref)`,
    );
  });

  it('reports every allowPatterns entry that the cache cannot satisfy', async () => {
    await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    await expect(resolveModel('org/tiny', { allowPatterns: ['config.json', 'vocab.txt', '*.gguf'] })).rejects.toMatchObject({
      missing: ['vocab.txt', '*.gguf (no file matches)'],
    });
  });

  it('resolves dataset repos from datasets--org--name, nested files included', async () => {
    const snapshot = await cacheRepo(
      cacheDir,
      'datasets--org--chats',
      COMMIT,
      { 'README.md': '# chats', 'data/train.jsonl': '{"messages": []}\n' },
      { main: COMMIT },
    );
    expect(await resolveDataset('org/chats', { allowPatterns: ['data/*.jsonl'] })).toBe(snapshot);
    // A model of the same name is a different cache folder.
    await expect(resolveModel('org/chats')).rejects.toThrow(/^model org\/chats@main is not fully in the Hugging Face cache/);
  });

  it('uses HF_HUB_CACHE over HF_HOME, and an explicit cacheDir over both', async () => {
    const snapshot = await cacheRepo(cacheDir, 'models--org--tiny', COMMIT, modelFiles, { main: COMMIT });
    vi.stubEnv('HF_HOME', join(root, 'home'));
    expect(await resolveModel('org/tiny')).toBe(snapshot);
    vi.stubEnv('HF_HUB_CACHE', '');
    await expect(resolveModel('org/tiny')).rejects.toThrow(`looked in ${join(root, 'home', 'hub', 'models--org--tiny', 'refs', 'main')}`);
    expect(await resolveModel('org/tiny', { cacheDir })).toBe(snapshot);
  });
});

describe('resolveModel with local paths and bad ids', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-local-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('returns an existing folder exactly as given, with no network', async () => {
    expect(await resolveModel(root, { fetch: refuseNetwork, offline: false })).toBe(root);
  });

  it('says a path-like argument does not exist instead of asking the Hub', async () => {
    await expect(resolveModel(join(root, 'nope'), { fetch: refuseNetwork })).rejects.toThrow(`${join(root, 'nope')}: no such folder`);
    await expect(resolveModel('./models/nope', { fetch: refuseNetwork })).rejects.toThrow('./models/nope: no such folder');
  });

  it('refuses a file as a model folder, but accepts it as a dataset', async () => {
    const file = join(root, 'train.jsonl');
    await writeFile(file, '{}\n');
    await expect(resolveModel(file)).rejects.toThrow(`${file}: is a file; a model path must be a folder holding config.json`);
    expect(await resolveDataset(file)).toBe(file);
  });

  it.each(['org/name/extra', 'org--x/name', 'has space/name', 'org/..name'])('rejects %j as a repo id', async (id) => {
    await expect(resolveModel(id, { fetch: refuseNetwork })).rejects.toThrow(`${JSON.stringify(id)} is neither an existing path nor a Hub repo id (org/name)`);
  });
});
