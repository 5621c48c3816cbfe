import { HostTensor, OrtExecutor, Rng, Tensor, evaluateTask } from '@tunekit/core';
import { reportGoldenError } from '@tunekit/core/testing';
import { type CausalLM, loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orpoOracle, simpoOracle } from '../../testing/loss-oracle.test-support.js';
import { offlineRun, tinyLlama } from '../../testing/offline-run.test-support.js';
import { type TokenExample, type TokenPair, fixedSource, pairBatch, randomPairs, unpairedBatch } from '../../testing/preference-batches.test-support.js';
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

/** log Σ exp(x) in float64. */
function logSumExp(x: Float32Array): number {
  const max = x.reduce((a, b) => Math.max(a, b), -Infinity);
  return max + Math.log(x.reduce((a, v) => a + Math.exp(v - max), 0));
}

/** log softmax(x)[k] in float64. */
const logSoftmaxAt = (x: Float32Array, k: number): number => x[k] - logSumExp(x);

/** The entropy −Σ p·log p of softmax(x), in float64. */
function entropyOf(x: Float32Array): number {
  const lse = logSumExp(x);
  return x.reduce((h, v) => h + Math.exp(v - lse) * (lse - v), 0);
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

  describe('metrics of batches without one kind of row (TRL 1.9: one value per batch, from the rows of that kind)', () => {
    const BETA = 0.5;
    const pick = (seed: number, labels: readonly (0 | 1)[]) => examples(seed).map((e, i) => ({ ...e, label: labels[i] }));
    // Only desirable rows, both kinds, only undesirable rows.
    const kinds = [pick(310, [1, 1, 1, 1]), pick(311, [1, 0, 0, 1]), pick(312, [0, 0, 0, 0])];
    const mixedBatches = kinds.map(unpairedBatch);
    let adapted: { model: CausalLM; disable: <T>(fn: () => T) => T } | undefined;

    /** A run at learning rate 0 (every micro-batch sees the same weights) of a LoRA whose weights are random, so rewards are not 0. */
    const run = (args: Record<string, unknown>, maxSteps: number) =>
      offlineRun({
        executor,
        modelDir,
        method: 'lora',
        batches: mixedBatches,
        maxSteps,
        args: { learning_rate: 0, ...args },
        task: (model, handle) => {
          const rng = new Rng(4);
          for (const [, p] of model.namedParameters().filter(([, p]) => p.requiresGrad)) p.assign(HostTensor.f32(p.shape, Float32Array.from({ length: p.value.size }, () => rng.normal() * 2)));
          adapted = { model, disable: (fn) => handle.disableAdapter(fn) };
          return { task: new KtoTask(model, parseKtoConfig({ beta: BETA }), selectReference(model, { executor, disableAdapter: handle.disableAdapter })) };
        },
      });

    /**
     * Each row scored alone: β·(log π − log π_ref), log π, and over its completion positions the
     * summed per-position mean logit and the summed entropy of π, with their count.
     */
    async function rowStats(e: TokenExample) {
      const { model, disable } = adapted!;
      const ids = [...e.prompt, ...e.completion];
      const input = () => Tensor.fromValues([1, ids.length], ids, 'i64');
      const [policy, ref] = await executor.compile([model.forward(input()).logits, disable(() => model.forward(input()).logits)]).run();
      const vocab = policy.shape[2];
      const [p, r] = [policy.toFloat32(), ref.toFloat32()];
      const positions = e.completion.map((_, j) => e.prompt.length + j - 1);
      const logp = (v: Float32Array) => positions.reduce((sum, at, j) => sum + logSoftmaxAt(v.subarray(at * vocab, (at + 1) * vocab), e.completion[j]), 0);
      const at = (v: Float32Array, t: number) => v.subarray(t * vocab, (t + 1) * vocab);
      const logitSum = positions.reduce((sum, t) => sum + at(p, t).reduce((a, b) => a + b, 0) / vocab, 0);
      const entropySum = positions.reduce((sum, t) => sum + entropyOf(at(p, t)), 0);
      return { reward: BETA * (logp(p) - logp(r)), logp: logp(p), logitSum, entropySum, tokens: positions.length, label: e.label };
    }

    /** TRL 1.9's per-batch values: each kind's Σ / count where the batch has that kind, the margin where it has both. */
    async function trlBatchValues(batch: readonly TokenExample[]): Promise<Record<string, number>> {
      const rows = await Promise.all(batch.map(rowStats));
      const out: Record<string, number> = {};
      for (const [kind, label] of [['chosen', 1], ['rejected', 0]] as const) {
        const of = rows.filter((r) => r.label === label);
        if (of.length === 0) continue;
        const sum = (f: (r: (typeof rows)[number]) => number) => of.reduce((a, r) => a + f(r), 0);
        out[`rewards/${kind}`] = sum((r) => r.reward) / of.length;
        out[`logps/${kind}`] = sum((r) => r.logp) / of.length;
        out[`logits/${kind}`] = sum((r) => r.logitSum) / sum((r) => r.tokens);
      }
      if ('rewards/chosen' in out && 'rewards/rejected' in out) out['rewards/margins'] = out['rewards/chosen'] - out['rewards/rejected'];
      return out;
    }

    const KEYS = ['rewards/chosen', 'rewards/rejected', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'logits/chosen', 'logits/rejected'];
    const picked = (log: Record<string, number>) => Object.fromEntries(KEYS.filter((k) => k in log).map((k) => [k, log[k]]));
    /** Per key, the mean over the batches that have it, each batch weighing `weights[b]`. */
    const meanOver = (values: readonly Record<string, number>[], weights: readonly number[]) =>
      Object.fromEntries(KEYS.flatMap((k) => {
        const have = values.map((v, b) => [v[k], weights[b]] as const).filter(([v]) => v !== undefined);
        return have.length ? [[k, have.reduce((a, [v, w]) => a + v * w, 0) / have.reduce((a, [, w]) => a + w, 0)]] : [];
      }));
    /** The same keys, each value within 1e-6 + 1e-4 relative of the hand computation (f32 programs against f64 arithmetic). */
    const expectClose = (got: Record<string, number>, want: Record<string, number>, what: string) => {
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const k of Object.keys(want)) {
        const err = reportGoldenError(`KTO ${what} ${k} (absolute)`, Math.abs(got[k] - want[k]));
        expect(err, k).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(want[k]));
      }
    };

    it('a batch with only desirable rows logs no rejected metric and no margin; each log is the batch\'s Σ/count by hand', async () => {
      const { logs } = await run({ logging_steps: 1 }, 3);
      const want = await Promise.all(kinds.map(trlBatchValues));
      expect(Math.abs(want[1]['rewards/chosen'])).toBeGreaterThan(0.05);
      const stepLogs = logs.filter((l) => 'loss' in l && 'kl' in l);
      expect(stepLogs).toHaveLength(3);
      stepLogs.forEach((log, b) => expectClose(picked(log), want[b], `batch ${b}`));
      expect(Object.keys(picked(stepLogs[0]))).toEqual(['rewards/chosen', 'logps/chosen', 'logits/chosen']);
      expect(Object.keys(picked(stepLogs[2]))).toEqual(['rewards/rejected', 'logps/rejected', 'logits/rejected']);
    });

    it('over gradient accumulation and over a logging window alike, a metric is the mean of the batches that have it (margin: only the mixed batch)', async () => {
      const want = meanOver(await Promise.all(kinds.map(trlBatchValues)), [1, 1, 1]);
      // Not what averaging a 0 for the missing kind would give.
      expect(want['rewards/rejected']).not.toBeCloseTo((await trlBatchValues(kinds[1]))['rewards/rejected'] * (2 / 3), 3);
      const accumulated = (await run({ gradient_accumulation_steps: 3, logging_steps: 1 }, 1)).logs.filter((l) => 'loss' in l);
      const windowed = (await run({ logging_steps: 3 }, 3)).logs.filter((l) => 'loss' in l);
      expect([accumulated.length, windowed.length]).toEqual([1, 1]);
      expectClose(picked(accumulated[0]), want, 'accumulated');
      expectClose(picked(windowed[0]), want, 'window');
      expect(picked(accumulated[0])['rewards/margins']).toBeCloseTo((await trlBatchValues(kinds[1]))['rewards/margins'], 4);
    });

    it('entropy (TRL 1.9): Σ of π\'s next-token entropy over every row\'s completion positions / their count, per batch, then the mean of the batches', async () => {
      /** A batch's entropy by hand: all rows, whatever their label. */
      const batchEntropy = async (batch: readonly TokenExample[]) => {
        const rows = await Promise.all(batch.map(rowStats));
        return rows.reduce((a, r) => a + r.entropySum, 0) / rows.reduce((a, r) => a + r.tokens, 0);
      };
      const stepLogs = (await run({ logging_steps: 1 }, 3)).logs.filter((l) => 'loss' in l);
      const want = await Promise.all(kinds.map(batchEntropy));
      const vocab = adapted!.model.config.vocab;
      for (const h of want) expect(h).toBeGreaterThan(0.1);
      for (const h of want) expect(h).toBeLessThan(Math.log(vocab));
      // Every batch logs it, the ones with a single kind of row too.
      expect(stepLogs).toHaveLength(3);
      stepLogs.forEach((log, b) => expectClose({ entropy: log.entropy }, { entropy: want[b] }, `batch ${b}`));
      const accumulated = (await run({ gradient_accumulation_steps: 3, logging_steps: 1 }, 1)).logs.filter((l) => 'loss' in l);
      expectClose({ entropy: accumulated[0].entropy }, { entropy: (want[0] + want[1] + want[2]) / 3 }, 'accumulated');
    });

    it('evaluation weighs each batch by its rows, over the batches that have the kind', async () => {
      const { task } = await run({ logging_steps: 1 }, 1);
      const got = await evaluateTask(executor, task, fixedSource(mixedBatches, 4), 'eval');
      const want = meanOver(await Promise.all(kinds.map(trlBatchValues)), kinds.map((k) => k.length));
      expectClose(Object.fromEntries(KEYS.filter((k) => `eval_${k}` in got).map((k) => [k, got[`eval_${k}`]])), want, 'eval');
    });
  });
});

