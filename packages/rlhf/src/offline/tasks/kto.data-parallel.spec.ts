import { type RunSpec, compareRuns, findMpirun, launch, readRanks, relativeError, reportGoldenError } from '@tunekit/core/testing';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, tinyLlama } from '../../testing/offline-run.test-support.js';
import type { KtoRankSpec } from '../../testing/kto.rank.test-support.js';

const RANK = fileURLToPath(new URL('../../testing/kto.rank.test-support.ts', import.meta.url));
const MPIRUN = findMpirun();
if (!MPIRUN) console.log('KTO data parallel spec skipped: no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)');

describe.skipIf(!MPIRUN)('task kto over 2 ranks (mpirun -np 2)', () => {
  it('averages the ranks\' KL estimates before clamping (TRL 1.9), so 2 ranks train as one process with both ranks\' rows in one batch', async () => {
    const modelDir = await tinyLlama();
    // SGD: AdamW divides by the gradient's own size, which turns rounding-level differences of near-zero gradients into visible ones.
    const spec = (joined: boolean): KtoRankSpec => ({ outputDir: tempDir('kto-dp'), perDeviceBatch: joined ? 8 : 4, accumulation: 1, maxSteps: 3, optim: 'sgd', zeroStage: 0, saveSteps: 3, resume: false, modelDir, joined });
    const train = async (ranks: number, s: RunSpec) => {
      const job = await launch(RANK, ranks, s);
      expect(job.code, job.output).toBe(0);
      return readRanks(s.outputDir, ranks);
    };
    const [one] = await train(1, spec(true));
    const [r0, r1] = await train(2, spec(false));
    const err = compareRuns(r0, one);
    reportGoldenError('KTO, 2 ranks vs 1 process, losses', err.losses);
    reportGoldenError('KTO, 2 ranks vs 1 process, worst weight tensor', err.weights);
    expect(err.losses).toBeLessThanOrEqual(1e-6);
    expect(err.weights).toBeLessThanOrEqual(1e-6);
    expect(compareRuns(r1, r0).bitwise).toBe(true);
    // The KL every rank logs is the one process's, max(0, mean of the ranks' estimates); above 0 at some step, so it moved the loss.
    const kl = (logs: readonly Record<string, number>[]) => logs.filter((l) => 'loss' in l).map((l) => l.kl);
    expect(kl(r1.logs)).toEqual(kl(r0.logs));
    expect(kl(one.logs)).toHaveLength(3);
    expect(relativeError(kl(r0.logs), kl(one.logs))).toBeLessThanOrEqual(1e-6);
    expect(Math.max(...kl(one.logs))).toBeGreaterThan(0.1);
  }, 300_000);
});
