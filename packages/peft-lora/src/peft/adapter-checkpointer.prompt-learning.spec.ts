import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import type { AdapterHandle, PeftMethod } from './peft-method.interface.js';
import { PREFIX_TUNING_METHOD } from '../prefix-tuning/prefix-tuning.method.js';
import { PROMPT_TUNING_METHOD } from '../prompt-tuning/prompt-tuning.method.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINABLE_EXTRA } from './adapter-checkpointer.js';

function adapted(method: PeftMethod, options: Record<string, unknown>, seed: number): AdapterHandle {
  const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama' })), { seed: 0 });
  return method.apply(model, method.parseConfig(options), { seed });
}

const trainable = (h: AdapterHandle) => new Map(h.model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => [n, Array.from(p.value.toFloat32())]));

describe('a prompt-learning method\'s own checkpointer', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-ckpt-prompt-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('prompt tuning: the PEFT file holds the trained rows, so nothing is written beside it', async () => {
    const dir = join(root, 'prompt');
    const options = { num_virtual_tokens: 3 };
    const trained = adapted(PROMPT_TUNING_METHOD, options, 1);
    await trained.checkpointer().save(dir);
    expect((await readdir(dir)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const resumed = adapted(PROMPT_TUNING_METHOD, options, 2);
    expect(trainable(resumed)).not.toEqual(trainable(trained));
    await resumed.checkpointer().load(dir);
    expect(trainable(resumed)).toEqual(trainable(trained));
  });

  it('prefix tuning with a projection: the embedding and MLP are checkpointed raw beside the projected prefix, and resume exactly', async () => {
    const dir = join(root, 'prefix');
    const options = { num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 8 };
    const trained = adapted(PREFIX_TUNING_METHOD, options, 1);
    await trained.checkpointer().save(dir);
    expect((await readdir(dir)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', TRAINABLE_EXTRA]);
    const st = await SafetensorsFile.open(join(dir, TRAINABLE_EXTRA));
    expect(st.names().sort()).toEqual([
      'prompt_encoder.default.embedding.weight',
      'prompt_encoder.default.transform.0.bias',
      'prompt_encoder.default.transform.0.weight',
      'prompt_encoder.default.transform.2.bias',
      'prompt_encoder.default.transform.2.weight',
    ]);
    await st.close();

    const resumed = adapted(PREFIX_TUNING_METHOD, options, 2);
    expect(trainable(resumed)).not.toEqual(trainable(trained));
    await resumed.checkpointer().load(dir);
    expect(trainable(resumed)).toEqual(trainable(trained));

    // Another shape fails on the raw file's tensor, naming it, and changes nothing.
    const wider = adapted(PREFIX_TUNING_METHOD, { ...options, encoder_hidden_size: 12 }, 3);
    const before = trainable(wider);
    await expect(wider.checkpointer().load(dir)).rejects.toThrow(
      `${join(dir, TRAINABLE_EXTRA)}: 'prompt_encoder.default.transform.0.weight' has shape [8, 32], the adapter has [12, 32]`,
    );
    expect(trainable(wider)).toEqual(before);
  });
});
