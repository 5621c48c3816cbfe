import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_WEIGHTS_FILE } from '@tunekit/core';
import { loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomize, tinyModel } from '../testing/lora.test-support.js';
import { FULL_METHOD } from './full.method.js';

const weights = (model: { namedParameters(): [string, { value: { toFloat32(): Float32Array } }][] }) =>
  new Map(model.namedParameters().map(([n, p]) => [n, Array.from(p.value.toFloat32())]));

describe('full fine-tuning as a PeftMethod', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-full-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('takes no options, trains every weight, and is never read as an adapter', () => {
    expect(FULL_METHOD.parseConfig({})).toBeNull();
    expect(() => FULL_METHOD.parseConfig({ r: 8 })).toThrow('full fine-tuning: unknown option "r"');
    const model = tinyModel('llama').freeze();
    const handle = FULL_METHOD.apply(model, null);
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(handle.trainableParametersLine()).toMatch(/^trainable params: ([\d,]+) \|\| all params: \1 \|\| trainable%: 100\.0000$/);
    expect(handle.mergeAndUnload()).toBe(model);
    expect(() => handle.disableAdapter(() => 0)).toThrow(/full fine-tuning has no adapter to switch off/);
    expect(FULL_METHOD.recognises({ peft_type: 'LORA' })).toBe(false);
  });

  it('checkpoints every trained weight under its own name and restores it exactly', async () => {
    const dir = join(root, 'checkpoint');
    const trained = tinyModel('llama', 1);
    const handle = FULL_METHOD.apply(trained, null);
    await mkdir(dir);
    await handle.checkpointer().save(dir);
    expect(await readdir(dir)).toEqual([MODEL_WEIGHTS_FILE]);
    const resumed = tinyModel('llama', 2);
    const resumedHandle = FULL_METHOD.apply(resumed, null);
    expect(weights(resumed)).not.toEqual(weights(trained));
    await resumedHandle.checkpointer().load(dir);
    expect(weights(resumed)).toEqual(weights(trained));
  });

  it('saves a Hugging Face checkpoint that loads back (with its generation config), and loads one into a model', async () => {
    const dir = join(root, 'final');
    const trained = tinyModel('llama', 3);
    randomize(trained, (n) => n.endsWith('norm.weight'), 4);
    await FULL_METHOD.apply(trained, null).save(dir, { baseModel: 'org/base', generationConfig: { eos_token_id: 2 } });
    const loaded = await loadModel(dir);
    expect(weights(loaded.model)).toEqual(weights(trained));
    expect(loaded.generationConfig).toEqual({ eos_token_id: 2 });
    const other = tinyModel('llama', 5);
    const handle = await FULL_METHOD.load(other, dir, { trainable: false });
    expect(weights(other)).toEqual(weights(trained));
    expect(handle.trainableParameters()).toEqual([]);
  });
});
