import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HostTensor, OrtExecutor, ReferenceExecutor, SafetensorsFile } from '@tunekit/core';
import type { CausalLMBase } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTiny, logitsOf, maxAbsDiff, tinyCheckpoint } from '../testing/prompt-learning.test-support.js';
import { parsePrefixTuningConfig } from './prefix-tuning.config.js';
import { PREFIX_TUNING_METHOD } from './prefix-tuning.method.js';
import { type PrefixTuningAdapter, injectPrefixTuning } from './prefix-tuning.model.js';
import { savePrefixTuning } from './prefix-tuning.io.js';

const ROWS = [[5, 17, 42, 8], [60, 61, 62, 63]];

async function tensorsOf(file: string): Promise<Map<string, HostTensor>> {
  const st = await SafetensorsFile.open(file);
  try {
    expect(st.metadata).toEqual({ format: 'pt' });
    return new Map(await Promise.all(st.names().map(async (n) => [n, await st.read(n)] as const)));
  } finally {
    await st.close();
  }
}

describe('prefix tuning adapter files', () => {
  let dir = '';
  let cleanup: () => Promise<void>;
  const ort = new OrtExecutor({ threads: 1 });
  beforeAll(async () => {
    ({ dir, cleanup } = await tinyCheckpoint('llama'));
  });
  afterAll(async () => {
    await ort.dispose();
    await cleanup();
  });

  const adapted = async (raw: Record<string, unknown>): Promise<{ model: CausalLMBase; adapter: PrefixTuningAdapter }> => {
    const model = await loadTiny(dir);
    return { model, adapter: injectPrefixTuning(model, parsePrefixTuningConfig(raw), { seed: 9 }) };
  };

  it("saves the prefix as PEFT's prompt_embeddings [n, layers·2·token_dim] with every config field, and loads back to identical logits", async () => {
    const { model, adapter } = await adapted({ num_virtual_tokens: 5 });
    const out = join(dir, '..', 'prefix');
    await savePrefixTuning(adapter, out, { baseModel: 'org/tiny-llama' });
    expect((await readdir(out)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect(JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'))).toEqual({
      auto_mapping: null,
      base_model_name_or_path: 'org/tiny-llama',
      encoder_hidden_size: 32,
      inference_mode: true,
      num_attention_heads: 2,
      num_layers: 2,
      num_transformer_submodules: 1,
      num_virtual_tokens: 5,
      peft_type: 'PREFIX_TUNING',
      prefix_projection: false,
      revision: null,
      task_type: 'CAUSAL_LM',
      token_dim: 32,
    });
    const saved = await tensorsOf(join(out, 'adapter_model.safetensors'));
    expect([...saved.keys()]).toEqual(['prompt_embeddings']);
    // 2 layers × (key, value) × 2 kv heads × head dim 16.
    expect(saved.get('prompt_embeddings')!.shape).toEqual([5, 128]);
    expect(saved.get('prompt_embeddings')!.dtype).toBe('f32');
    expect(maxAbsDiff(saved.get('prompt_embeddings')!.toFloat32(), adapter.encoder.embedding.weight.value.toFloat32())).toBe(0);

    const fresh = await loadTiny(dir);
    const handle = await PREFIX_TUNING_METHOD.load(fresh, out);
    expect(maxAbsDiff((await logitsOf(fresh, ort, ROWS)).toFloat32(), (await logitsOf(model, ort, ROWS)).toFloat32())).toBe(0);
    expect(handle.trainableParameters()).toEqual([]);
    expect(PREFIX_TUNING_METHOD.recognises({ peft_type: 'PREFIX_TUNING' })).toBe(true);
    expect(PREFIX_TUNING_METHOD.recognises({ peft_type: 'PROMPT_TUNING' })).toBe(false);
  });

  it('with prefix_projection saves only the projected prefix, as PEFT does; it loads for inference, not for training', async () => {
    const { model, adapter } = await adapted({ num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 24 });
    const out = join(dir, '..', 'projected');
    await savePrefixTuning(adapter, out, { baseModel: 'org/tiny-llama' });
    const json = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    expect(json).toMatchObject({ prefix_projection: true, encoder_hidden_size: 24, token_dim: 32, inference_mode: true });
    const saved = await tensorsOf(join(out, 'adapter_model.safetensors'));
    expect([...saved.keys()]).toEqual(['prompt_embeddings']);
    // The MLP's output for every virtual token, computed here by the traced encoder itself.
    const [projected] = await new ReferenceExecutor().compile([adapter.encoder.prefix()]).run({});
    expect(saved.get('prompt_embeddings')!.shape).toEqual([3, 128]);
    expect(maxAbsDiff(saved.get('prompt_embeddings')!.toFloat32(), projected.toFloat32())).toBeLessThan(1e-6);

    const fresh = await loadTiny(dir);
    await PREFIX_TUNING_METHOD.load(fresh, out);
    expect(fresh.namedParameters().filter(([n]) => n.startsWith('prompt_encoder.')).map(([n, p]) => `${n} [${p.shape}]`)).toEqual(['prompt_encoder.default.embedding.weight [3,128]']);
    expect(maxAbsDiff((await logitsOf(fresh, ort, ROWS)).toFloat32(), (await logitsOf(model, ort, ROWS)).toFloat32())).toBeLessThan(1e-5);
    await expect(PREFIX_TUNING_METHOD.load(await loadTiny(dir), out, { trainable: true })).rejects.toThrow(
      `${join(out, 'adapter_config.json')}: prefix_tuning: a saved prefix_projection adapter holds only the projected prefix, not the embedding and MLP that made it, so it cannot train on`,
    );
  });

  it('rejects a prefix of the wrong width for the model, naming file and tensor, and installs nothing', async () => {
    const out = join(dir, '..', 'misfit-prefix');
    const { adapter } = await adapted({ num_virtual_tokens: 2 });
    await savePrefixTuning(adapter, out, { baseModel: 'org/tiny-llama' });
    const other = await tinyCheckpoint('gpt2');
    try {
      const gpt2 = await loadTiny(other.dir);
      await expect(PREFIX_TUNING_METHOD.load(gpt2, out)).rejects.toThrow(
        `${join(out, 'adapter_config.json')}: prefix_tuning config: token_dim: 32 does not fit this gpt2 model, which needs 64`,
      );
      expect(gpt2.getModule('prompt_encoder')).toBeUndefined();
    } finally {
      await other.cleanup();
    }
  });
});
