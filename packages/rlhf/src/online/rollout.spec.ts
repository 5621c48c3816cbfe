import { HostTensor, OrtExecutor, Rng, fromFloat32 } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { onlineContext, tinyPolicy, tinyPrompts } from './online.test-support.js';
import { rowLogps } from './policy-logps.js';
import { sampleRollout } from './rollout.js';
import { rolloutRows } from './rollout-rows.js';
import { FULL_ROWS_LAYOUT } from './full-rows.layout.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

const SETTINGS = { temperature: 0.9, topP: 1, topK: 0, repetitionPenalty: 1, minP: 0, maxCompletionLength: 8 };

/** The tiny policy with a trained-looking adapter: LoRA B is 0 at init, which would make merging a no-op. */
function movedPolicy() {
  const policy = tinyPolicy();
  const rng = new Rng(7);
  for (const [name, p] of policy.model.namedParameters()) {
    if (!name.includes('lora_B')) continue;
    const v = Float32Array.from({ length: p.size }, () => (rng.uniform() * 2 - 1) * 0.3);
    p.assign(new HostTensor(p.dtype, p.shape, fromFloat32(p.dtype, v)));
  }
  return policy;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('rollouts with the adapter merged into the base weights', () => {
  it('sample the tokens of the unmerged adapter, score them within 1e-4 of it in log-prob, and leave the base weights as they were', async () => {
    const policy = movedPolicy();
    const prompts = tinyPrompts(3).map((p) => p.promptIds);
    const merged = onlineContext(policy, executor);
    expect(merged.withMergedAdapter).toBeDefined();
    const { withMergedAdapter: _, ...unmerged } = merged;
    const bases = policy.model.namedParameters().filter(([n]) => n.endsWith('base_layer.weight')).map(([, p]) => [p, p.value, Float32Array.from(p.value.toFloat32())] as const);

    const fast = await sampleRollout(merged, prompts, 4, SETTINGS, 99);
    const slow = await sampleRollout(unmerged, prompts, 4, SETTINGS, 99);
    expect(fast.completionIds).toEqual(slow.completionIds);
    for (const [p, value, bits] of bases) {
      expect(p.value).toBe(value);
      expect(p.value.toFloat32()).toEqual(bits);
    }

    // The log-probs of the sampled rows under the merged weights against the unmerged adapter's.
    const rows = rolloutRows(slow, { maskTruncated: false, multiple: 16 });
    const laidOut = FULL_ROWS_LAYOUT.layOut(slow, rows, SETTINGS);
    const opts = { layout: FULL_ROWS_LAYOUT, temperature: SETTINGS.temperature, chunk: 4 };
    const adapter = await rowLogps(policy.model, executor, laidOut, opts);
    const folded = await merged.withMergedAdapter!(executor, () => rowLogps(policy.model, executor, laidOut, opts));
    const base = await rowLogps(policy.model, executor, laidOut, { ...opts, reference: merged.reference });
    const mask = rows.completionMask.toFloat32();
    const counted = (t: HostTensor<'f32'>) => t.data.map((v, i) => v * mask[i]);
    expect(maxAbsDiff(counted(folded), counted(adapter))).toBeLessThan(1e-4);
    // The adapter matters here: without it the log-probs are far off.
    expect(maxAbsDiff(counted(base), counted(adapter))).toBeGreaterThan(1e-2);
  });
});
