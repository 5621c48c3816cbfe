import { join } from 'node:path';
import { OrtExecutor, readSafetensors } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { forwardLogits } from '../testing/causal-lm.test-support.js';
import { GOLDEN_ADAPTERS, GOLDEN_PEFT, GOLDEN_PEFT_TOLERANCE, goldenAdapterSuite, goldenOutputs, loadGoldenBase } from '../testing/golden-peft.test-support.js';

describe('the golden base model', () => {
  it("gives transformers' logits", async () => {
    const base = await loadGoldenBase();
    const executor = new OrtExecutor();
    const want = (await readSafetensors(join(GOLDEN_PEFT, 'base_forward.safetensors'))).get('logits')!;
    const got = await forwardLogits(base.model, executor, rowsOf((await goldenOutputs('peft-saved', 'lora')).inputIds));
    await executor.dispose();
    expect(got.shape).toEqual(want.shape);
    expect(reportGoldenError('base logits', relativeError(got.toFloat32(), want.toFloat32()))).toBeLessThanOrEqual(GOLDEN_PEFT_TOLERANCE);
  });
});

/** Adapters PEFT 0.21 saved (with every field it writes), on TuneKit. */
for (const name of GOLDEN_ADAPTERS.filter((n) => n !== 'dora')) goldenAdapterSuite('peft-saved', name);

goldenAdapterSuite('peft-saved', 'dora', (ctx) => {
  it("merges into layer 0's weights as PEFT's merge_and_unload does", async () => {
    const want = await readSafetensors(join(GOLDEN_PEFT, 'peft-saved', 'dora', 'merged_layer0.safetensors'));
    const params = new Map(ctx().handle.mergeAndUnload().namedParameters());
    expect(want.size).toBe(3);
    for (const [key, tensor] of want) {
      const p = params.get(key);
      expect(p, key).toBeDefined();
      expect(p!.shape).toEqual(tensor.shape);
      expect(reportGoldenError(`dora merged ${key}`, relativeError(p!.value.toFloat32(), tensor.toFloat32())), key).toBeLessThanOrEqual(GOLDEN_PEFT_TOLERANCE);
    }
  });
});
