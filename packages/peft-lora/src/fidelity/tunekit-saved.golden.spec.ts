import { OrtExecutor } from '@tunekit/core';
import { type LoadedModel, generate } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterHandle } from '../peft/peft-method.interface.js';
import { forwardLogits, relativeError } from '../testing/causal-lm.test-support.js';
import {
  GOLDEN_ADAPTERS,
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

describe.each(GOLDEN_ADAPTERS)('adapter saved by TuneKit, run by PEFT 0.21: %s', (name) => {
  const dir = adapterDir('tunekit-saved', name);
  let base: LoadedModel;
  const executor = new OrtExecutor();
  let handle: AdapterHandle;
  let golden: GoldenOutputs;
  beforeAll(async () => {
    base = await loadGoldenBase();
    handle = await loadGoldenAdapter(base.model, dir);
    golden = await goldenOutputs('tunekit-saved', name);
  });
  afterAll(() => executor.dispose());

  it("gives the logits PEFT computed with it (prompt tuning: at the real tokens)", async () => {
    const real = golden.inputIds.shape[1];
    const got = await forwardLogits(base.model, executor, rowsOf(golden.inputIds));
    expect(reportError(`tunekit-saved/${name} logits`, relativeError(lastPositions(got, real), lastPositions(golden.logits, real)))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("generates the greedy tokens PEFT generated with it", async () => {
    const result = await generate(base.model, executor, [golden.promptIds], { maxNewTokens: 8, eosTokenIds: [] });
    expect(result.sequences[0]).toEqual(golden.greedyOutputIds);
  });

  it('saves again with the same tensor names, shapes and config values', async () => {
    const { layout, config } = await resaved(handle, dir, name);
    expect(layout.got).toEqual(layout.want);
    expect(config.got).toEqual(config.want);
  });
});
