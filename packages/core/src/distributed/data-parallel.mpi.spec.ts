import { existsSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type RunSpec, findMpirun, launch } from './testing/data-parallel-run.test-support.js';
import { compareRuns, readRanks } from './testing/run-compare.test-support.js';
import { reportGoldenError } from '../testing/golden-compare.test-support.js';

const RANK = fileURLToPath(new URL('./testing/tiny-lm.rank.test-support.ts', import.meta.url));
const RATIO_RANK = fileURLToPath(new URL('./testing/ratio-metric.rank.test-support.ts', import.meta.url));
const MPIRUN = findMpirun();
if (!MPIRUN) console.log('data parallel specs skipped: no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)');

/** 16 examples, global batch 8 (2 ranks x 2 rows x 2 accumulation steps), 4 steps over 2 epochs, checkpoints at 2 and 4. */
const base = (over: Partial<RunSpec>): RunSpec => ({
  outputDir: mkdtempSync(join(tmpdir(), 'tunekit-dp-')),
  perDeviceBatch: 2,
  accumulation: 2,
  maxSteps: 4,
  optim: 'adamw_torch',
  zeroStage: 0,
  saveSteps: 2,
  resume: false,
  ...over,
});

/** Runs and returns every rank's result, failing with the job's output when it did not succeed. */
async function train(ranks: number, spec: RunSpec, script = RANK) {
  const job = await launch(script, ranks, spec);
  expect(job.code, job.output).toBe(0);
  return readRanks(spec.outputDir, ranks);
}

describe.skipIf(!MPIRUN)('data parallel over MPI (mpirun -np 2)', () => {
  it('full fine-tuning at 2 ranks matches one process with twice the batch: losses and weights within 1e-6 relative', async () => {
    // SGD: AdamW divides by the gradient's own size, which turns rounding-level differences of near-zero gradients into visible ones.
    const [one] = await train(1, base({ perDeviceBatch: 4, optim: 'sgd' }));
    const [r0, r1] = await train(2, base({ optim: 'sgd' }));
    const err = compareRuns(r0, one);
    reportGoldenError('2 ranks vs 1 process, full fine-tuning, losses', err.losses);
    reportGoldenError('2 ranks vs 1 process, full fine-tuning, worst weight tensor', err.weights);
    expect(err.losses).toBeLessThanOrEqual(1e-6);
    expect(err.weights).toBeLessThanOrEqual(1e-6);
    expect(r0.tokens).toBe(one.tokens);
    expect(compareRuns(r1, r0).bitwise).toBe(true);
  });

  it('ZeRO-1 and ZeRO-2 (AdamW) give the losses and weights of plain data parallel with half the optimizer state per rank', async () => {
    const plain = await train(2, base({}));
    for (const zeroStage of [1, 2] as const) {
      const zero = await train(2, base({ zeroStage }));
      const err = compareRuns(zero[0], plain[0]);
      reportGoldenError(`ZeRO-${zeroStage} vs plain data parallel, worst weight tensor (bitwise: ${err.bitwise})`, err.weights);
      // Stage 1 reduces and clips exactly as plain data parallel does; stage 2 adds the norm's squares over ranks in f64.
      if (zeroStage === 1) expect(err.bitwise).toBe(true);
      expect(err.weights, `ZeRO-${zeroStage}`).toBeLessThanOrEqual(1e-6);
      expect(compareRuns(zero[1], zero[0]).bitwise).toBe(true);
      const bytes = zero.map((r) => r.optimizerBytes);
      expect(bytes[0] + bytes[1]).toBe(plain[0].optimizerBytes);
      expect(Math.max(...bytes) / plain[0].optimizerBytes).toBeLessThan(0.55);
    }
  });

  it('a killed rank ends the job non-zero within 30 s naming it; the restart resumes from the last checkpoint and ends as an uninterrupted run', async () => {
    const uninterrupted = await train(2, base({ zeroStage: 2 }));
    const spec = base({ zeroStage: 2, kill: { rank: 1, afterStep: 3 } });
    const killed = await launch(RANK, 2, spec);
    expect(killed.code).not.toBe(0);
    expect(killed.seconds).toBeLessThan(30);
    expect(killed.output).toMatch(/rank 1\b/);
    expect(killed.output).toContain(hostname());
    expect(existsSync(join(spec.outputDir, 'checkpoint-2'))).toBe(true);
    expect(existsSync(join(spec.outputDir, 'checkpoint-4'))).toBe(false);

    const resumed = await train(2, { ...spec, kill: undefined, resume: true });
    const err = compareRuns(resumed[0], { ...uninterrupted[0], losses: uninterrupted[0].losses.slice(2) });
    expect(err.bitwise).toBe(true);
  });

  it('a ratio metric is Σ sum / Σ count over the ranks per micro-batch, and a micro-batch without rows is left out of the log: 2 ranks log what one process logs, and what the rows give by hand', async () => {
    const KEY = 'first_id/even';
    const [one] = await train(1, base({ perDeviceBatch: 4, optim: 'sgd' }), RATIO_RANK);
    const [r0, r1] = await train(2, base({ optim: 'sgd' }), RATIO_RANK);
    const seen = [r0, r1].map((r) => r.extra!.seen as number[][]);
    const stepLogs = (r: typeof r0) => r.logs.filter((l) => 'loss' in l);
    // Micro-batch j is rank 0's rows and rank 1's rows of it; the metric is over their even first ids.
    const perMicro = seen[0].map((rows, j) => [...rows, ...seen[1][j]].filter((id) => id % 2 === 0));
    const value = (ids: number[]) => (ids.length ? ids.reduce((a, b) => a + b, 0) / ids.length : undefined);
    const want = [0, 1, 2, 3].map((step) => {
      const present = [perMicro[2 * step], perMicro[2 * step + 1]].map(value).filter((v): v is number => v !== undefined);
      return present.length ? present.reduce((a, b) => a + b, 0) / present.length : undefined;
    });
    expect(stepLogs(r0).map((l) => l[KEY])).toEqual(want);
    expect(stepLogs(one).map((l) => l[KEY])).toEqual(want);
    expect(stepLogs(r1).map((l) => l[KEY])).toEqual(want);
    // The data has a micro-batch where one rank has such rows and the other none: a mean of the ranks' own ratios would differ there.
    const uneven = seen[0].findIndex((rows, j) => rows.some((id) => id % 2 === 0) !== seen[1][j].some((id) => id % 2 === 0));
    expect(uneven).toBeGreaterThanOrEqual(0);
  });
});
