import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostTensor, JsonFileError, SafetensorsError, SafetensorsFile, serializeSafetensors } from '@tunekit/core';
import { describeFuzzReport, fuzzParser, JSON_SYNTAX } from '@tunekit/core/testing';
import { loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bnb4bitFormatError, BNB_WEIGHTS_FILE, loadQuantizedModel, saveQuantizedModel } from './bnb-4bit.format.js';

let root: string;
let dir: string;
let tensors: Map<string, HostTensor>;
let stateKey: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-fuzz-bnb-'));
  const full = (await createTinyModel({ arch: 'llama', dir: join(root, 'full'), seed: 3 })).dir;
  dir = join(root, 'nf4');
  await saveQuantizedModel((await loadModel(full)).model, dir, { quantType: 'nf4', doubleQuant: true });
  const file = await SafetensorsFile.open(join(dir, BNB_WEIGHTS_FILE));
  try {
    tensors = new Map();
    for await (const [name, t] of file.entries()) tensors.set(name, t);
  } finally {
    await file.close();
  }
  stateKey = [...tensors.keys()].find((k) => k.endsWith('.quant_state.bitsandbytes__nf4'))!;
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The folder with one layer's quant state replaced by `bytes`, loaded as a user's load would. */
async function loadWithState(bytes: Uint8Array): Promise<void> {
  const st = new Map(tensors);
  st.set(stateKey, new HostTensor('u8', [bytes.length], bytes));
  await writeFile(join(dir, BNB_WEIGHTS_FILE), serializeSafetensors(st));
  await loadQuantizedModel(dir);
}

describe('fuzz: bitsandbytes quant state', () => {
  it('a mutated quant_state (types, numbers, nesting, UTF-8) loads or fails with one Bnb4bitFormatError line naming the tensor', async () => {
    const seed = tensors.get(stateKey)!.data as Uint8Array;
    const report = await fuzzParser({ name: 'bitsandbytes quant state', seeds: [seed.slice()], parse: loadWithState, named: [Bnb4bitFormatError, SafetensorsError, JsonFileError], text: JSON_SYNTAX }, 250);
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(250);
  });
});
