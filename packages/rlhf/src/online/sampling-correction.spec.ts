import { HostTensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { OrtExecutor, Tensor } from '@tunekit/core';
import { SAMPLING_CORRECTION_MODES, samplingCorrection, samplingCorrectionTraced } from './sampling-correction.js';

// Two rows of three token slots; row 0 counts all three, row 1 its first two.
const old = HostTensor.f32([2, 3], [-1.0, -2.0, -0.5, -0.3, -1.2, -9]);
const sampler = HostTensor.f32([2, 3], [-1.5, -0.5, -0.5, -0.2, -1.0, -1]);
const mask = HostTensor.f32([2, 3], [1, 1, 1, 1, 1, 0]);
// Δ = old − sampler on counted tokens: row 0 [0.5, −1.5, 0], row 1 [−0.1, −0.2, (0)].
const [e05, em15, em01, em02] = [Math.exp(0.5), Math.exp(-1.5), Math.exp(-0.1), Math.exp(-0.2)];
const [seq0, seq1] = [Math.exp(-1.0), Math.exp(-0.3)];

/** The expected [2, 3] weights of each mode at C_min 0.5, C_max 1.5, worked by hand from TRL's definitions. */
const EXPECTED: Record<(typeof SAMPLING_CORRECTION_MODES)[number], number[]> = {
  token_truncate: [1.5, 0.5, 1, em01, em02, 1],
  token_mask: [0, 0, 1, em01, em02, 1],
  sequence_truncate: [0.5, 0.5, 0.5, seq1, seq1, seq1],
  sequence_mask: [0, 0, 0, seq1, seq1, seq1],
};

describe("the sampler's importance-sampling correction (TRL's vllm_importance_sampling_mode)", () => {
  it.each(SAMPLING_CORRECTION_MODES)('%s: the ratios of hand-worked values, clipped or zeroed outside [0.5, 1.5]', (mode) => {
    const { ratio } = samplingCorrection(old, sampler, mask, { mode, clipMin: 0.5, clipMax: 1.5 });
    expect(ratio.shape).toEqual([2, 3]);
    Array.from(ratio.toFloat32()).forEach((r, i) => expect(r).toBeCloseTo(EXPECTED[mode][i], 6));
  });

  it('open bounds leave the ratios as they are; the metrics are over counted tokens (token modes) or rows (sequence modes)', () => {
    const token = samplingCorrection(old, sampler, mask, { mode: 'token_truncate', clipMin: null, clipMax: null });
    Array.from(token.ratio.toFloat32()).forEach((r, i) => expect(r).toBeCloseTo([e05, em15, 1, em01, em02, 1][i], 6));
    const diffs = [0.5, 1.5, 0, 0.1, 0.2];
    expect(token.metrics['sampling/sampling_logp_difference/mean']).toBeCloseTo(diffs.reduce((a, b) => a + b) / 5, 6);
    expect(token.metrics['sampling/sampling_logp_difference/max']).toBeCloseTo(1.5, 6);
    expect(token.metrics['sampling/importance_sampling_ratio/min']).toBeCloseTo(em15, 6);
    expect(token.metrics['sampling/importance_sampling_ratio/max']).toBeCloseTo(e05, 6);
    expect(token.metrics['sampling/importance_sampling_ratio/mean']).toBeCloseTo((e05 + em15 + 1 + em01 + em02) / 5, 6);
    const sequence = samplingCorrection(old, sampler, mask, { mode: 'sequence_mask', clipMin: null, clipMax: 3 });
    expect(sequence.metrics['sampling/importance_sampling_ratio/mean']).toBeCloseTo((seq0 + seq1) / 2, 6);
    expect(sequence.metrics['sampling/importance_sampling_ratio/min']).toBeCloseTo(seq0, 6);
  });

  it.each(SAMPLING_CORRECTION_MODES)('%s traced (the update weighs its own detached log-probs): the host form\'s ratios and metrics, on ORT', async (mode) => {
    const opts = { mode, clipMin: 0.5, clipMax: 1.5 };
    const host = samplingCorrection(old, sampler, mask, opts);
    const traced = samplingCorrectionTraced(Tensor.constant(old), Tensor.constant(sampler), Tensor.constant(mask), opts);
    const names = Object.keys(host.metrics);
    const executor = new OrtExecutor();
    const [ratio, ...metrics] = await executor.compile([traced.ratio, ...names.map((n) => traced.metrics[n])]).run();
    await executor.dispose();
    // A sequence ratio is [N, 1], broadcast over the row's tokens.
    const perToken = Array.from(host.ratio.toFloat32());
    const got = Array.from(ratio.toFloat32());
    perToken.forEach((r, i) => expect(got[mode.startsWith('token') ? i : Math.floor(i / 3)]).toBeCloseTo(r, 5));
    names.forEach((n, i) => expect(metrics[i].toFloat32()[0], n).toBeCloseTo(host.metrics[n], 5));
  });
});
