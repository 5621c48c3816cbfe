import { OrtExecutor } from '@tunekit/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineRun, tempDir, tinyLlama } from '../../testing/offline-run.test-support.js';
import { pairBatch, randomPairs } from '../../testing/preference-batches.test-support.js';
import { parseDpoConfig } from '../config/dpo.config.js';
import { PrecomputedRefLogps, REF_LOGPS_FILE } from '../reference/precomputed-ref-logps.js';
import { selectReference } from '../reference/select-reference.js';
import { DpoTask } from './dpo.task.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());
const temp = tempDir;

let modelDir: string;
beforeAll(async () => {
  modelDir = await tinyLlama();
});

// 8 pairs in batches of 2 pairs (4 rows each).
const batches = () => [0, 1, 2, 3].map((k) => pairBatch(randomPairs(2, 64, 100 + k)));

interface RunOptions {
  method: 'lora' | 'full';
  dpo?: Record<string, unknown>;
  outputDir?: string;
  resume?: string;
  stopAt?: number;
}

/** A DPO run on the tiny Llama: the reference as the provider picks it (adapter disabled, frozen copy, or precomputed). */
const run = (o: RunOptions) =>
  offlineRun({
    ...o,
    executor,
    modelDir,
    batches: batches(),
    task: (model, handle, outputDir) => {
      const config = parseDpoConfig({ beta: 0.5, ...o.dpo });
      const store = config.precompute_ref_log_probs ? new PrecomputedRefLogps() : null;
      const reference = selectReference(model, { executor, ...(o.method === 'lora' ? { disableAdapter: handle.disableAdapter } : {}), precomputed: store, outputDir });
      return { task: new DpoTask(model, config, reference), store };
    },
  });

describe('task dpo', () => {
  it('starts at ln 2 with the adapter-disabled reference (LoRA starts as the identity) and learns the preferences', async () => {
    const { steps, logs } = await run({ method: 'lora' });
    expect(steps[0].loss).toBeCloseTo(Math.LN2, 6);
    expect(logs[0]['rewards/margins']).toBeCloseTo(0, 6);
    for (const key of ['rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'logits/chosen', 'logits/rejected']) expect(logs[0]).toHaveProperty(key);
    expect(steps[5].loss).toBeLessThan(steps[0].loss - 0.05);
    expect(logs[5]['rewards/margins']).toBeGreaterThan(0);
  });

  it('resumes exactly: stopped at step 3 and resumed from checkpoint-3, steps 4-6 give the same losses', async () => {
    const full = await run({ method: 'lora' });
    const dir = temp('resume');
    await run({ method: 'lora', outputDir: dir, stopAt: 3 });
    const resumed = await run({ method: 'lora', outputDir: dir, resume: join(dir, 'checkpoint-3') });
    expect(resumed.steps.map((s) => s.loss)).toEqual(full.steps.slice(3).map((s) => s.loss));
  });

  it('precompute_ref_log_probs gives the traced-in reference\'s losses, stores them with the run, and a resume reuses them', async () => {
    const traced = await run({ method: 'lora' });
    const dir = temp('pre');
    const pre = await run({ method: 'lora', dpo: { precompute_ref_log_probs: true }, outputDir: dir, stopAt: 3 });
    expect(existsSync(join(dir, REF_LOGPS_FILE))).toBe(true);
    pre.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(traced.steps[i].loss, 5));
    const resumed = await run({ method: 'lora', dpo: { precompute_ref_log_probs: true }, outputDir: dir, resume: join(dir, 'checkpoint-3') });
    resumed.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(traced.steps[3 + i].loss, 5));
  });

  it('full fine-tuning: a frozen copy is the reference, and precomputing from the model before its first step gives the same losses', async () => {
    const copy = await run({ method: 'full' });
    expect(copy.steps[0].loss).toBeCloseTo(Math.LN2, 6);
    expect(copy.steps[5].loss).toBeLessThan(copy.steps[0].loss - 0.05);
    const dir = temp('fullpre');
    const pre = await run({ method: 'full', dpo: { precompute_ref_log_probs: true }, outputDir: dir, stopAt: 3 });
    pre.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(copy.steps[i].loss, 5));
    // The resumed model has trained weights: only the stored pass can give the reference now.
    const resumed = await run({ method: 'full', dpo: { precompute_ref_log_probs: true }, outputDir: dir, resume: join(dir, 'checkpoint-3') });
    resumed.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(copy.steps[3 + i].loss, 5));
  });

  it('combines loss types with loss_weights (RPO) and weights pairs by WPO in the traced step', async () => {
    // At step 1 the policy is the reference: sigmoid is ln 2 per pair, so a WPO run's first loss is ln 2 · mean pair weight.
    const wpo = (await run({ method: 'lora', dpo: { use_weighting: true }, stopAt: 1 })).steps[0].loss;
    const meanWeight = wpo / Math.LN2;
    expect(meanWeight).toBeGreaterThan(0);
    expect(meanWeight).toBeLessThan(1);
    const nll = (await run({ method: 'lora', dpo: { loss_type: 'sft' }, stopAt: 1 })).steps[0].loss;
    const rpo = await run({ method: 'lora', dpo: { loss_type: ['sigmoid', 'sft'], loss_weights: [1, 0.5], use_weighting: true } });
    expect(rpo.steps[0].loss).toBeCloseTo((Math.LN2 + 0.5 * nll) * meanWeight, 5);
    expect(rpo.steps[4].loss).toBeLessThan(rpo.steps[0].loss); // the same batch, an epoch later
  });
});
