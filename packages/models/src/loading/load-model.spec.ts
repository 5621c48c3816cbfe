import { HostTensor, OrtExecutor, SafetensorsFile, readSafetensors, writeSafetensors } from '@tunekit/core';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { createTinyModel } from '../testing/create-tiny-model.js';
import { GOLDEN_ROOT } from '../testing/golden.test-support.js';
import { maxAbsDiff, randomIds, runModel } from '../testing/model.test-support.js';
import { CheckpointError } from './checkpoint-error.js';
import { loadModel } from './load-model.js';
import { saveModel } from './save-model.js';

const dirs = tempDirs();
const ort = new OrtExecutor({ threads: 1 });
afterAll(async () => {
  await ort.dispose();
  await dirs.cleanup();
});

/** A tiny checkpoint whose weights `edit` may change before they are written back. */
async function checkpoint(arch: 'llama' | 'gpt2' | 'gpt_neox', edit?: (t: Map<string, HostTensor>) => void, extra: { tied?: boolean } = {}) {
  const dir = await dirs.make(arch);
  await createTinyModel({ arch, dir, seed: 5, layers: 2, ...extra });
  const file = join(dir, 'model.safetensors');
  if (edit) {
    const tensors = await readSafetensors(file);
    edit(tensors);
    await writeSafetensors(file, tensors, { format: 'pt' });
  }
  return { dir, file };
}

async function logits(dir: string, dtype?: 'f32' | 'bf16') {
  const { model, config } = await loadModel(dir, { dtype });
  return (await runModel(model, ort, { ids: randomIds(1, 6, config.vocab, 9) })).logits.toFloat32();
}

async function rejection(p: Promise<unknown>): Promise<CheckpointError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  return err as CheckpointError;
}

describe('loadModel errors', () => {
  it('a missing tensor names it and the folder', async () => {
    const { dir } = await checkpoint('llama', (t) => t.delete('model.layers.1.mlp.up_proj.weight'));
    const err = await rejection(loadModel(dir));
    expect(err.message).toBe(`${dir}: missing tensors: model.layers.1.mlp.up_proj.weight`);
  });

  it('a shape mismatch names the file, the tensor and both shapes', async () => {
    const { dir, file } = await checkpoint('llama', (t) => t.set('model.norm.weight', HostTensor.f32([63])));
    const err = await rejection(loadModel(dir));
    expect(err.message).toBe(`${file}: tensor "model.norm.weight": shape [63] does not match the model's [64] for model.norm.weight`);
  });

  it('an unexpected tensor names the file and the tensor', async () => {
    const { dir, file } = await checkpoint('llama', (t) => t.set('model.layers.0.self_attn.extra.weight', HostTensor.f32([2])));
    const err = await rejection(loadModel(dir));
    expect(err.file).toBe(file);
    expect(err.tensor).toBe('model.layers.0.self_attn.extra.weight');
  });

  it('a folder without weights says what it looked for', async () => {
    const { dir, file } = await checkpoint('llama');
    await rm(file);
    await writeFile(join(dir, 'pytorch_model.bin'), '');
    expect((await rejection(loadModel(dir))).message).toMatch(/no model\.safetensors or model\.safetensors\.index\.json \(pytorch_model\.bin checkpoints are not supported/);
  });
});

describe('loadModel key conventions', () => {
  it('GPT-2 keys without "transformer." and causal-mask buffers load as the prefixed checkpoint does', async () => {
    const { dir } = await checkpoint('gpt2');
    const expected = await logits(dir);
    const { dir: bare } = await checkpoint('gpt2', (t) => {
      for (const [name, v] of [...t]) {
        t.delete(name);
        t.set(name.replace(/^transformer\./, ''), v);
      }
      t.set('h.0.attn.bias', new HostTensor('bool', [1, 1, 4, 4], new Uint8Array(16)));
      t.set('h.0.attn.masked_bias', HostTensor.scalar(-1e4));
    });
    expect(maxAbsDiff(await logits(bare), expected)).toBe(0);
  });

  it("older GPT-NeoX checkpoints' per-layer mask and rotary buffers are skipped; a tied one's embed_out copy is ignored", async () => {
    const { dir } = await checkpoint('gpt_neox');
    const expected = await logits(dir);
    const { dir: old } = await checkpoint('gpt_neox', (t) => {
      t.set('gpt_neox.layers.0.attention.bias', new HostTensor('bool', [1, 1, 4, 4], new Uint8Array(16)));
      t.set('gpt_neox.layers.0.attention.masked_bias', HostTensor.scalar(-1e9));
      t.set('gpt_neox.layers.0.attention.rotary_emb.inv_freq', HostTensor.f32([2]));
    });
    expect(maxAbsDiff(await logits(old), expected)).toBe(0);
    const { dir: tied } = await checkpoint('gpt_neox', (t) => t.set('embed_out.weight', HostTensor.f32([320, 64])), { tied: true });
    expect((await loadModel(tied)).model.stateDict().get('embed_out.weight')?.toFloat32().some((v) => v !== 0)).toBe(true);
  });

  it('a tied checkpoint that also stores lm_head.weight ignores that copy', async () => {
    const { dir } = await checkpoint('llama', (t) => t.set('lm_head.weight', HostTensor.f32([320, 64])), { tied: true });
    const { model } = await loadModel(dir);
    expect(model.stateDict().get('lm_head.weight')?.toFloat32().some((v) => v !== 0)).toBe(true);
  });
});

describe('sharded and half-precision checkpoints', () => {
  it('loads two shards through model.safetensors.index.json', async () => {
    const { dir, file } = await checkpoint('llama');
    const expected = await logits(dir);
    const tensors = [...(await readSafetensors(file))];
    const half = Math.ceil(tensors.length / 2);
    const shards = [tensors.slice(0, half), tensors.slice(half)];
    const names = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    for (const [i, shard] of shards.entries()) await writeSafetensors(join(dir, names[i]), new Map(shard), { format: 'pt' });
    const weightMap = Object.fromEntries(shards.flatMap((shard, i) => shard.map(([n]) => [n, names[i]])));
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
    await rm(file);
    expect(maxAbsDiff(await logits(dir), expected)).toBe(0);

    // An index promising a tensor its shard lacks is refused, naming the index and the tensor.
    weightMap['model.norm.weight'] = names[0];
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: weightMap }));
    const err = await rejection(loadModel(dir));
    expect(err.message).toBe(`${join(dir, 'model.safetensors.index.json')}: tensor "model.norm.weight": listed in ${names[0]}, which does not contain it`);
  });

  it('createTinyModel shards past maxShardBytes, and the shards load', async () => {
    const dir = await dirs.make('shards');
    const { weightFiles } = await createTinyModel({ arch: 'qwen2', dir, seed: 3, maxShardBytes: 40_000 });
    expect(weightFiles.length).toBeGreaterThan(3);
    expect(weightFiles.at(-1)).toBe('model.safetensors.index.json');
    const { model } = await loadModel(dir);
    expect(model.namedParameters().length).toBeGreaterThan(20);
  });

  it('loads a bf16 checkpoint into bf16 storage; f32 storage of it computes the same', async () => {
    const dir = await dirs.make('bf16');
    await createTinyModel({ arch: 'llama', dir, seed: 4, dtype: 'bf16' });
    const st = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    expect(st.info('model.embed_tokens.weight').dtype).toBe('bf16');
    await st.close();
    const { model } = await loadModel(dir, { dtype: 'bf16' });
    expect(new Set(model.parameters().map((p) => p.dtype))).toEqual(new Set(['bf16']));
    expect(maxAbsDiff(await logits(dir, 'bf16'), await logits(dir, 'f32'))).toBeLessThan(1e-5);
  });
});

describe('saveModel', () => {
  it('writes config.json and one safetensors file, a tied head once, that load back identically', async () => {
    const { dir } = await checkpoint('llama', undefined, { tied: true });
    const { model, config } = await loadModel(dir);
    const out = await dirs.make('saved');
    await saveModel(model, out);
    const st = await SafetensorsFile.open(join(out, 'model.safetensors'));
    expect(st.has('lm_head.weight')).toBe(false);
    expect(st.metadata).toEqual({ format: 'pt' });
    await st.close();
    const reloaded = await loadModel(out);
    expect(reloaded.config.raw).toEqual(config.raw);
    expect(maxAbsDiff(await logits(out), await logits(dir))).toBe(0);
  });

  // transformers-saved checkpoints with perturbed (1 + w) norms: the stored w must come back as stored, not as 1 + w.
  it.each(['gemma', 'gemma2', 'gemma3_text'])('round-trips transformers\' %s checkpoint tensor for tensor', async (arch) => {
    const source = join(GOLDEN_ROOT, 'archs_extra', arch, 'model');
    const { model } = await loadModel(source);
    const out = await dirs.make(`saved-${arch}`);
    await saveModel(model, out);
    const [want, got] = await Promise.all([readSafetensors(join(source, 'model.safetensors')), readSafetensors(join(out, 'model.safetensors'))]);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, t] of want) expect(maxAbsDiff(got.get(name)!.toFloat32(), t.toFloat32()), name).toBe(0);
    expect(maxAbsDiff(await logits(out), await logits(source))).toBe(0);
  });

  it('writes the config it is given instead of the model\'s own, with torch_dtype still from the weights', async () => {
    const { dir } = await checkpoint('llama');
    const { model, config } = await loadModel(dir, { dtype: 'bf16' });
    const out = await dirs.make('saved-config');
    await saveModel(model, out, { config: { ...config.raw, note: 'given' } });
    const written = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(written).toEqual({ ...config.raw, note: 'given', torch_dtype: 'bfloat16' });
  });
});
