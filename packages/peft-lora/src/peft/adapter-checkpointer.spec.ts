import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@tunekit/core';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import type { AdapterHandle } from './peft-method.interface.js';
import { LORA_METHOD } from '../lora/lora.method.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomize } from '../testing/lora.test-support.js';

function adapted(r: number, seed: number): AdapterHandle {
  const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama' })), { seed: 0 });
  const handle = LORA_METHOD.apply(model, LORA_METHOD.parseConfig({ r, target_modules: ['q_proj', 'v_proj'] }), { seed });
  model.nameParameters();
  randomize(model, (n) => n.includes('lora_B'), seed);
  return handle;
}

const trainable = (h: AdapterHandle) => new Map(h.model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => [n, Array.from(p.value.toFloat32())]));

describe('a method\'s own checkpointer (AdapterCheckpointer)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-ckpt-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the PEFT adapter beside the checkpoint\'s other files and reads it back into a live adapter', async () => {
    const trained = adapted(4, 1);
    await writeFile(join(dir, 'trainer_state.json'), '{}');
    await trained.checkpointer({ baseModel: 'org/base' }).save(dir);
    expect((await readdir(dir)).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'trainer_state.json']);
    const st = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
    expect(st.names().every((n) => /^base_model\.model\.model\.layers\.\d\.self_attn\.[qv]_proj\.lora_[AB]\.weight$/.test(n))).toBe(true);
    await st.close();

    const resumed = adapted(4, 2);
    expect(trainable(resumed)).not.toEqual(trainable(trained));
    await resumed.checkpointer().load(dir);
    expect(trainable(resumed)).toEqual(trainable(trained));
  });

  it('rejects a checkpoint of another shape without touching the adapter', async () => {
    const other = adapted(8, 3);
    const before = trainable(other);
    await expect(other.checkpointer().load(dir)).rejects.toThrow(
      /adapter_model\.safetensors: 'base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight' has shape \[4, 64\], the adapter has \[8, 64\]/,
    );
    expect(trainable(other)).toEqual(before);
  });
});
