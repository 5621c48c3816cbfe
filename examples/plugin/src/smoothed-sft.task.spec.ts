import { CausalLmTask, HostTensor, ReferenceExecutor, Tensor, takeTracedFeeds } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { describe, expect, it } from 'vitest';
import { SmoothedSftTask, parseSmoothedSftConfig } from './smoothed-sft.task.js';

const IDS = [
  [5, 17, 42, 8, 99, 3],
  [7, 7, 120, 64, 2, 0],
];
// -100: the prompt (and the padding of row 2) is not learned.
const LABELS = [
  [-100, -100, 42, 8, 99, 3],
  [-100, 7, 120, 64, 2, -100],
];
const batch = { tensors: { input_ids: HostTensor.i64([2, 6], IDS.flat()), labels: HostTensor.i64([2, 6], LABELS.flat()) }, tokens: 12 };
const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama' })), { seed: 3 }) as CausalLM;
const executor = new ReferenceExecutor();

async function value(t: Tensor): Promise<number> {
  const [out] = await executor.compile([t]).run({ ...batch.tensors, ...takeTracedFeeds() });
  return out.item();
}

/** transformers' LabelSmoother, by hand: (1 - ε)·mean NLL + ε·mean over tokens and vocabulary of -log p. */
async function handLoss(eps: number): Promise<{ loss: number; nll: number; tokens: number }> {
  const logits = model.call(Tensor.input('input_ids', [2, 6], 'i64')).logits;
  const [host] = await executor.compile([logits]).run({ input_ids: batch.tensors.input_ids });
  const z = host.toFloat32();
  const vocab = host.shape[2];
  let nll = 0;
  let smooth = 0;
  let tokens = 0;
  for (let b = 0; b < 2; b++) {
    for (let t = 0; t + 1 < 6; t++) {
      const label = LABELS[b][t + 1];
      if (label === -100) continue;
      const row = z.subarray((b * 6 + t) * vocab, (b * 6 + t + 1) * vocab);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      nll += lse - row[label];
      smooth += row.reduce((s, v) => s + (lse - v), 0) / vocab;
      tokens++;
    }
  }
  return { loss: (1 - eps) * (nll / tokens) + eps * (smooth / tokens), nll: nll / tokens, tokens };
}

describe('smoothed_sft: causal-LM loss with label smoothing', () => {
  it('traces the loss a hand computation gives, reports the unsmoothed NLL, and weighs the batch by its scored tokens', async () => {
    const task = new SmoothedSftTask(model, parseSmoothedSftConfig({ label_smoothing: 0.2 }));
    const out = task.trace(batch);
    const expected = await handLoss(0.2);
    expect(expected.tokens).toBe(8);
    expect(out.weight).toBe(8);
    expect(await value(out.loss)).toBeCloseTo(expected.loss, 5);
    expect(await value(out.metrics!.nll as Tensor)).toBeCloseTo(expected.nll, 5);
    // Smoothing pulls toward the uniform target, whose -log p is larger than a trained label's.
    expect(expected.loss).not.toBeCloseTo(expected.nll, 3);
    expect(task.derivedMetrics({ loss: 1, nll: 2 })).toEqual({ perplexity: Math.exp(2) });
  });

  it('without smoothing is the ordinary causal-LM loss', async () => {
    const plain = new CausalLmTask(model, { labelsShiftedInside: true }).trace(batch);
    const smoothed = new SmoothedSftTask(model, parseSmoothedSftConfig({ label_smoothing: 0 })).trace(batch);
    expect(smoothed.weight).toBe(plain.weight);
    expect(await value(smoothed.loss)).toBeCloseTo(await value(plain.loss), 5);
  });

  it('validates its section, naming the option', () => {
    expect(parseSmoothedSftConfig({})).toEqual({ label_smoothing: 0.1 });
    expect(() => parseSmoothedSftConfig({ label_smoothing: 1 })).toThrow('smoothed_sft config: label_smoothing: expected a number in [0, 1), got 1');
    expect(() => parseSmoothedSftConfig({ smoothing: 0.1 })).toThrow('smoothed_sft config: unknown option "smoothing"');
  });
});
