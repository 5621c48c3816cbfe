import { join } from 'node:path';
import { type Module, OrtExecutor, readSafetensors } from '@tunekit/core';
import { type LoadedModel, generate } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterHandle } from '../peft/peft-method.interface.js';
import { forwardLogits, relativeError } from '../testing/causal-lm.test-support.js';
import {
  GOLDEN_ADAPTERS,
  GOLDEN_PEFT,
  type GoldenOutputs,
  adapterDir,
  goldenOutputs,
  lastPositions,
  loadGoldenAdapter,
  loadGoldenBase,
  reportError,
  resaved,
  rowsOf,
} from '../testing/golden-peft.test-support.js';

const TOLERANCE = 1e-4;

describe('the golden base model', () => {
  it("gives transformers' logits", async () => {
    const base = await loadGoldenBase();
    const want = (await readSafetensors(join(GOLDEN_PEFT, 'base_forward.safetensors'))).get('logits')!;
    const executor = new OrtExecutor();
    const got = await forwardLogits(base.model, executor, rowsOf((await goldenOutputs('peft-saved', 'lora')).inputIds));
    await executor.dispose();
    expect(got.shape).toEqual(want.shape);
    expect(reportError('base logits', relativeError(got.toFloat32(), want.toFloat32()))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe.each(GOLDEN_ADAPTERS)('adapter saved by PEFT 0.21: %s', (name) => {
  let base: LoadedModel;
  const executor = new OrtExecutor();
  let handle: AdapterHandle;
  let golden: GoldenOutputs;
  beforeAll(async () => {
    base = await loadGoldenBase();
    handle = await loadGoldenAdapter(base.model, adapterDir('peft-saved', name));
    golden = await goldenOutputs('peft-saved', name);
  });
  afterAll(() => executor.dispose());

  it("loads on the base and gives PEFT's logits (prompt tuning: at the real tokens)", async () => {
    const real = golden.inputIds.shape[1];
    const got = await forwardLogits(base.model, executor, rowsOf(golden.inputIds));
    expect(reportError(`peft-saved/${name} logits`, relativeError(lastPositions(got, real), lastPositions(golden.logits, real)))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("generates PEFT's 8 greedy tokens with the KV cache", async () => {
    const result = await generate(base.model, executor, [golden.promptIds], { maxNewTokens: 8, eosTokenIds: [] });
    expect(result.sequences[0]).toEqual(golden.greedyOutputIds);
  });

  it("saves again with PEFT's tensor names and shapes and every config field, PEFT 0.21's own included", async () => {
    const { layout, config } = await resaved(handle, adapterDir('peft-saved', name), name);
    expect(layout.got).toEqual(layout.want);
    expect(config.got).toEqual(config.want);
  });

  if (name === 'dora') {
    it("merges into layer 0's weights as PEFT's merge_and_unload does", async () => {
      const want = await readSafetensors(join(GOLDEN_PEFT, 'peft-saved', name, 'merged_layer0.safetensors'));
      const merged: Module = handle.mergeAndUnload();
      const params = new Map(merged.namedParameters());
      expect(want.size).toBe(3);
      for (const [key, tensor] of want) {
        const p = params.get(key);
        expect(p, key).toBeDefined();
        expect(p!.shape).toEqual(tensor.shape);
        expect(reportError(`dora merged ${key}`, relativeError(p!.value.toFloat32(), tensor.toFloat32())), key).toBeLessThanOrEqual(TOLERANCE);
      }
    });
  }
});
