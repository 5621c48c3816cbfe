import { OrtExecutor, Tensor } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orpoOracle, simpoOracle } from '../../testing/loss-oracle.test-support.js';
import { offlineRun, tinyLlama } from '../../testing/offline-run.test-support.js';
import { type TokenExample, type TokenPair, pairBatch, randomPairs, unpairedBatch } from '../../testing/preference-batches.test-support.js';
import { parseCpoConfig } from '../config/cpo.config.js';
import { parseKtoConfig } from '../config/kto.config.js';
import { parseOrpoConfig } from '../config/orpo.config.js';
import { selectReference } from '../reference/select-reference.js';
import { CpoTask, OrpoTask } from './cpo.task.js';
import { KtoTask } from './kto.task.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());
let modelDir: string;
beforeAll(async () => {
  modelDir = await tinyLlama();
});

const PAIRS = [0, 1, 2, 3].map((k) => randomPairs(2, 64, 200 + k));

/** Σ log p of `completion` after `prompt`, from a forward of that one row alone (no padding, no batch). */
async function rowLogp(model: CausalLM, prompt: number[], completion: number[]): Promise<number> {
  const ids = [...prompt, ...completion];
  const { logits } = model.forward(Tensor.fromValues([1, ids.length], ids, 'i64'));
  const [out] = await executor.compile([logits.logSoftmax(-1)]).run();
  const v = out.toFloat32();
  const vocab = out.shape[2];
  return completion.reduce((sum, tok, j) => sum + v[(prompt.length + j - 1) * vocab + tok], 0);
}

describe('tasks cpo and orpo (no reference)', () => {
  it('trace the closed-form loss of the batch\'s rows scored one by one (chosen half first, padding ignored)', async () => {
    const model = (await loadModel(modelDir)).model as CausalLM;
    const pairs: TokenPair[] = PAIRS[0];
    const chosen = await Promise.all(pairs.map((p) => rowLogp(model, p.prompt, p.chosen)));
    const rejected = await Promise.all(pairs.map((p) => rowLogp(model, p.prompt, p.rejected)));
    const rows = { chosen, rejected, refChosen: [0, 0], refRejected: [0, 0], chosenTokens: pairs.map((p) => p.chosen.length), rejectedTokens: pairs.map((p) => p.rejected.length) };
    const nll = -chosen.reduce((a, b) => a + b, 0) / rows.chosenTokens.reduce((a, b) => a + b, 0);
    const batch = pairBatch(pairs);
    const value = async (t: Tensor) => (await executor.compile([t]).run(batch.tensors))[0].toFloat32()[0];
    const simpo = new CpoTask(model, parseCpoConfig({ loss_type: 'simpo', beta: 2, simpo_gamma: 0.5, cpo_alpha: 0.3 }));
    expect(await value(simpo.trace(batch).loss)).toBeCloseTo(simpoOracle(rows, 2, 0.5, 0, 0.3, nll), 5);
    const orpo = new OrpoTask(model, parseOrpoConfig({ beta: 0.25 }));
    expect(await value(orpo.trace(batch).loss)).toBeCloseTo(orpoOracle(rows, 0.25, nll), 5);
  });

  it.each([
    ['cpo', { loss_type: 'simpo', beta: 2, cpo_alpha: 0 }],
    ['orpo', { beta: 0.5 }],
  ] as const)('%s learns the preferences with LoRA and logs TRL\'s metrics', async (name, section) => {
    const { steps, logs } = await offlineRun({
      executor,
      modelDir,
      method: 'lora',
      batches: PAIRS.map(pairBatch),
      task: (model) => ({ task: name === 'cpo' ? new CpoTask(model, parseCpoConfig(section)) : new OrpoTask(model, parseOrpoConfig(section)) }),
    });
    expect(steps[4].loss).toBeLessThan(steps[0].loss); // the same batch, an epoch later
    expect(logs[4]['rewards/margins']).toBeGreaterThan(logs[0]['rewards/margins']);
    expect(Object.keys(logs[0])).toEqual(expect.arrayContaining(['rewards/accuracies', 'logps/chosen', 'logits/rejected', 'nll_loss']));
  });
});

describe('task kto', () => {
  const examples = (seed: number): TokenExample[] =>
    randomPairs(2, 64, seed).flatMap((p) => [
      { prompt: p.prompt, completion: p.chosen, label: 1 },
      { prompt: p.prompt, completion: p.rejected, label: 0 },
    ]);
  const batches = [0, 1, 2, 3].map((k) => unpairedBatch(examples(300 + k)));

  it('starts at the weighted 1 − σ(0) with the adapter-disabled reference, keeps KL ≥ 0, and separates desirable from undesirable', async () => {
    const { steps, logs } = await offlineRun({
      executor,
      modelDir,
      method: 'lora',
      batches,
      task: (model, handle) => ({ task: new KtoTask(model, parseKtoConfig({ beta: 0.5, desirable_weight: 1.3, undesirable_weight: 0.7 }), selectReference(model, { executor, disableAdapter: handle.disableAdapter })) }),
    });
    expect(steps[0].loss).toBeCloseTo((2 * 1.3 * 0.5 + 2 * 0.7 * 0.5) / 4, 6);
    expect(logs[0].kl).toBe(0);
    const logged = logs.filter((l) => 'step' in l && 'kl' in l);
    expect(logged).toHaveLength(6);
    for (const l of logged) expect(l.kl).toBeGreaterThanOrEqual(0);
    expect(logs[4]['rewards/margins']).toBeGreaterThan(0);
    expect(steps[4].loss).toBeLessThan(steps[0].loss);
  });
});
