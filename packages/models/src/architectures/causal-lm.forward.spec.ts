import { OrtExecutor, Tensor, HostTensor } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLM } from './causal-lm.interface.js';
import { loadModel } from '../loading/load-model.js';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { type TinyModelOptions, createTinyModel } from '../testing/create-tiny-model.js';
import { logitsAt, maxAbsDiff, randomIds, runModel } from '../testing/model.test-support.js';

const MODELS: [string, Omit<TinyModelOptions, 'dir' | 'seed'>][] = [
  ['llama', { arch: 'llama' }],
  ['mistral, sliding window 3', { arch: 'mistral', config: { sliding_window: 3 } }],
  ['gpt2', { arch: 'gpt2' }],
  ['gemma', { arch: 'gemma' }],
  ['gemma2, sliding window 3 on even layers, soft caps', { arch: 'gemma2', config: { sliding_window: 3 } }],
  ['gemma3_text, sliding window 3, local rotary base', { arch: 'gemma3_text', config: { sliding_window: 3, layer_types: ['sliding_attention', 'full_attention'] } }],
];

const TOL = 1e-4;

describe.each(MODELS)('%s: cache, padding and packing', (_, variant) => {
  const dirs = tempDirs();
  const ort = new OrtExecutor({ threads: 1 });
  let model: CausalLM;
  let vocab: number;
  beforeAll(async () => {
    const dir = await dirs.make('forward');
    await createTinyModel({ ...variant, dir, seed: 21, config: { initializer_range: 0.2, ...variant.config } });
    ({ model } = await loadModel(dir));
    vocab = model.config.vocab;
  });
  afterAll(async () => {
    await ort.dispose();
    await dirs.cleanup();
  });

  it('decoding with a KV cache gives the logits of recomputing the whole sequence', async () => {
    const [ids] = randomIds(1, 8, vocab, 1);
    const full = await runModel(model, ort, { ids: [ids] });
    const prefix = await runModel(model, ort, { ids: [ids.slice(0, 5)] });
    expect(prefix.present[0][0].shape).toEqual([1, model.config.kvHeads, 5, model.config.headDim]);
    // Two new tokens at once (T < S), then one more.
    const step = await runModel(model, ort, { ids: [ids.slice(5, 7)], past: prefix.present });
    const last = await runModel(model, ort, { ids: [ids.slice(7)], past: step.present });
    expect(last.present[0][0].shape).toEqual([1, model.config.kvHeads, 8, model.config.headDim]);
    for (const t of [0, 1]) expect(maxAbsDiff(logitsAt(step.logits, 0, t), logitsAt(full.logits, 0, 5 + t))).toBeLessThan(TOL);
    expect(maxAbsDiff(logitsAt(last.logits, 0, 0), logitsAt(full.logits, 0, 7))).toBeLessThan(TOL);
  });

  it('logitsToKeep keeps the last positions’ logits, equal to those of the full forward', async () => {
    const ids = randomIds(2, 6, vocab, 4);
    const full = await runModel(model, ort, { ids });
    const x = Tensor.input('input_ids', [2, 6], 'i64');
    const [kept] = await ort.compile([model.call(x, { logitsToKeep: 2 }).logits]).run({ input_ids: HostTensor.i64([2, 6], ids.flat()) });
    expect(kept.shape).toEqual([2, 2, vocab]);
    for (const b of [0, 1]) for (const t of [0, 1]) expect(maxAbsDiff(logitsAt(kept, b, t), logitsAt(full.logits, b, 4 + t))).toBeLessThan(TOL);
  });

  it('a left-padded batch with mask and positions gives each row’s logits alone', async () => {
    const [a, b] = randomIds(2, 6, vocab, 2);
    const short = b.slice(0, 4);
    const batch = await runModel(model, ort, {
      ids: [a, [0, 0, ...short]],
      mask: [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]],
      positions: [[0, 1, 2, 3, 4, 5], [1, 1, 0, 1, 2, 3]],
    });
    const aloneA = await runModel(model, ort, { ids: [a] });
    const aloneB = await runModel(model, ort, { ids: [short] });
    for (let t = 0; t < 6; t++) expect(maxAbsDiff(logitsAt(batch.logits, 0, t), logitsAt(aloneA.logits, 0, t))).toBeLessThan(TOL);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(batch.logits, 1, t + 2), logitsAt(aloneB.logits, 0, t))).toBeLessThan(TOL);
  });

  it('packed documents with a block mask and restarting positions give each document’s logits alone', async () => {
    const [doc1, doc2] = [randomIds(1, 3, vocab, 3)[0], randomIds(1, 4, vocab, 4)[0]];
    const docOf = [0, 0, 0, 1, 1, 1, 1];
    const mask = [docOf.map((d) => docOf.map((e) => (d === e ? 1 : 0)))];
    const packed = await runModel(model, ort, { ids: [[...doc1, ...doc2]], mask, positions: [[0, 1, 2, 0, 1, 2, 3]] });
    const alone1 = await runModel(model, ort, { ids: [doc1] });
    const alone2 = await runModel(model, ort, { ids: [doc2] });
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(logitsAt(packed.logits, 0, t), logitsAt(alone1.logits, 0, t))).toBeLessThan(TOL);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(packed.logits, 0, 3 + t), logitsAt(alone2.logits, 0, t))).toBeLessThan(TOL);
  });

  it('loss is the mean cross-entropy of logits at t against labels at t + 1, skipping -100', async () => {
    const ids = randomIds(2, 5, vocab, 6);
    const labels = [ids[0], [-100, -100, ...ids[1].slice(2)]];
    const input = Tensor.input('input_ids', [2, 5], 'i64');
    const labelInput = Tensor.input('labels', [2, 5], 'i64');
    const [loss] = await ort.compile([model.loss(input, labelInput)]).run({
      input_ids: HostTensor.i64([2, 5], ids.flat()),
      labels: HostTensor.i64([2, 5], labels.flat()),
    });
    const { logits } = await runModel(model, ort, { ids });
    let sum = 0;
    let count = 0;
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 4; t++) {
        const target = labels[b][t + 1];
        if (target === -100) continue;
        const row = Array.from(logitsAt(logits, b, t));
        const max = Math.max(...row);
        sum += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[target];
        count++;
      }
    }
    expect(count).toBe(7);
    expect(loss.item()).toBeCloseTo(sum / count, 5);
  });
});
