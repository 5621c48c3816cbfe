import { HostTensor, ReferenceExecutor, Tensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { resolveGenerationConfig } from './generation-config.js';
import { kthLargest, logitsPipeline, minP, repetitionPenalty, temperature, topK, topP, tracedSampling } from './logits-processors.js';
import { parseModelConfig } from '../config/model-config.js';

const row = (...v: number[]) => Float32Array.from(v);
const none = { seen: new Set<number>() };
const modelConfig = parseModelConfig({ model_type: 'llama', vocab_size: 8, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 });

describe('logits processors (transformers semantics, hand-computed)', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens only', () => {
    const l = row(2, -2, 1, 0.5);
    repetitionPenalty(2)(l, { seen: new Set([0, 1]) });
    expect([...l]).toEqual([1, -4, 1, 0.5]);
  });

  it('temperature divides every logit', () => {
    const l = row(2, -1, 0);
    temperature(0.5)(l, none);
    expect([...l]).toEqual([4, -2, 0]);
  });

  it('top-k keeps the k largest and every tie with the k-th', () => {
    const a = row(1, 4, 2, 3);
    topK(2)(a, none);
    expect([...a]).toEqual([-Infinity, 4, -Infinity, 3]);
    const tied = row(1, 3, 2, 3, 3);
    topK(2)(tied, none);
    expect([...tied]).toEqual([-Infinity, 3, -Infinity, 3, 3]);
  });

  it('top-p keeps the smallest most-likely set reaching p, and always the best token', () => {
    const probs = [0.05, 0.5, 0.15, 0.3];
    const kept = (p: number) => {
      const l = Float32Array.from(probs, Math.log);
      topP(p)(l, none);
      return [...l].map((x, i) => (x > -Infinity ? i : -1)).filter((i) => i >= 0);
    };
    expect(kept(0.79)).toEqual([1, 3]);
    expect(kept(0.81)).toEqual([1, 2, 3]);
    expect(kept(0.3)).toEqual([1]);
    expect(kept(1)).toEqual([0, 1, 2, 3]);
  });

  it('min-p keeps the tokens at least p times as likely as the best one, after temperature', () => {
    const probs = [0.05, 0.5, 0.15, 0.3];
    const kept = (processors: ((l: Float32Array) => void)[]) => {
      const l = Float32Array.from(probs, Math.log);
      for (const p of processors) p(l);
      return [...l].map((x, i) => (x > -Infinity ? i : -1)).filter((i) => i >= 0);
    };
    const at = (p: number) => (l: Float32Array) => minP(p)(l, none);
    expect(kept([at(0.2)])).toEqual([1, 2, 3]);
    expect(kept([at(0.35)])).toEqual([1, 3]);
    expect(kept([at(1)])).toEqual([1]);
    // Temperature 0.5 squares the ratios to the best token (0.01, 1, 0.09, 0.36): min-p 0.2 then keeps two.
    const config = resolveGenerationConfig({ seed: 0, doSample: true, topK: 0, temperature: 0.5, minP: 0.2 }, { generationConfig: null, modelConfig }, 1);
    expect(kept(logitsPipeline(config).map((p) => (l: Float32Array) => p(l, none)))).toEqual([1, 3]);
  });

  it('quickselect finds the k-th largest like a full sort', () => {
    let s = 7;
    const values = Float32Array.from({ length: 1001 }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), (s % 97) - 40));
    const sorted = [...values].sort((a, b) => b - a);
    for (const k of [1, 2, 50, 500, 1001]) expect(kthLargest(values, k)).toBe(sorted[k - 1]);
  });

  it('greedy decoding runs the repetition penalty but none of the sampling warpers', () => {
    const config = (o: object) => resolveGenerationConfig({ seed: 0, ...o }, { generationConfig: null, modelConfig }, 1);
    const greedy = logitsPipeline(config({ doSample: false, temperature: 0.5, topK: 1, repetitionPenalty: 2 }));
    const l = row(4, 2, 1);
    for (const p of greedy) p(l, { seen: new Set([0]) });
    expect([...l]).toEqual([2, 2, 1]);
    // Sampling applies penalty → temperature → top-k in that order: 4/2 = 2, then / 0.5, then top-1.
    const sampling = logitsPipeline(config({ doSample: true, temperature: 0.5, topK: 1, repetitionPenalty: 2 }));
    const m = row(4, 3, 1);
    for (const p of sampling) p(m, { seen: new Set([0]) });
    expect([...m]).toEqual([-Infinity, 6, -Infinity]);
  });

  it('traces sampling into the decode program only where every active processor is temperature: the probabilities of the host pipeline', async () => {
    const config = (o: object) => resolveGenerationConfig({ seed: 0, ...o }, { generationConfig: null, modelConfig }, 1);
    for (const host of [{ doSample: false }, { doSample: true, topK: 5 }, { doSample: true, topK: 0, topP: 0.9 }, { doSample: true, topK: 0, repetitionPenalty: 1.2 }]) {
      expect(tracedSampling(config(host))).toBeNull();
    }
    const logits = [row(2, -1, 0, 0.5), row(-3, 4, 4, 1)];
    const executor = new ReferenceExecutor();
    // Min-p is traced too: at 0.3 after T = 0.7 it removes tokens in both rows (their probability is then exactly 0).
    for (const [t, p] of [[1, 0], [0.7, 0], [0.7, 0.3]]) {
      const sampling = { doSample: true, topK: 0, temperature: t, minP: p };
      const traced = tracedSampling(config(sampling))!;
      const input = Tensor.input('logits', [2, 4]);
      const [probs] = await executor.compile([traced(input)]).run({ logits: HostTensor.f32([2, 4], logits.flatMap((l) => [...l])) });
      logits.forEach((l, b) => {
        const processed = l.slice();
        for (const proc of logitsPipeline(config(sampling))) proc(processed, none);
        const weights = [...processed].map((x) => Math.exp(x - Math.max(...processed)));
        const total = weights.reduce((a, w) => a + w, 0);
        weights.forEach((w, i) => expect(probs.toFloat32()[b * 4 + i]).toBeCloseTo(w / total, 6));
      });
    }
  });
});
