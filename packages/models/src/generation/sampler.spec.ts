import { Rng } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { argmax, sampleProbabilities, sampleSoftmax } from './sampler.js';

describe('sampler', () => {
  it('argmax returns the first of equal maxima, as torch.argmax', () => {
    expect(argmax(Float32Array.of(1, 5, 3, 5))).toBe(1);
    expect(argmax(Float32Array.of(-Infinity, -2, -3))).toBe(1);
  });

  it('draws in proportion to softmax and never a removed token', () => {
    const logits = Float32Array.from([0.1, 0.6, 0.3, 0], (p, i) => (i === 3 ? -Infinity : Math.log(p)));
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleSoftmax(logits, rng)]++;
    expect(counts[3]).toBe(0);
    // 4 standard deviations of a binomial at n = 20000 is under 0.015.
    [0.1, 0.6, 0.3].forEach((p, i) => expect(Math.abs(counts[i] / n - p)).toBeLessThan(0.015));
  });

  it('replays the same draws from the same seed', () => {
    const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => sampleSoftmax(logits, rng));
    };
    expect(draw(11)).toEqual(draw(11));
    expect(draw(11)).not.toEqual(draw(12));
  });

  it('draws exactly the token of the cumulative sum of exp(logit - max) computed term by term, across vocabulary sizes', () => {
    // The definition, with each weight recomputed where the cumulative pass needs it.
    const byDefinition = (logits: Float32Array, u: number) => {
      const max = Math.max(...logits);
      const total = logits.reduce((s, l) => s + Math.exp(l - max), 0);
      let acc = 0;
      let last = 0;
      for (let i = 0; i < logits.length; i++) {
        if (logits[i] === -Infinity) continue;
        acc += Math.exp(logits[i] - max);
        if (acc > u * total) return i;
        last = i;
      }
      return last;
    };
    const shapes = new Rng(5);
    for (const vocab of [7, 300, 40, 1000]) {
      const logits = Float32Array.from({ length: vocab }, () => (shapes.uniform() < 0.2 ? -Infinity : 8 * shapes.uniform() - 4));
      const [ours, theirs] = [new Rng(vocab), new Rng(vocab)];
      for (let k = 0; k < 200; k++) expect(sampleSoftmax(logits, ours)).toBe(byDefinition(logits, theirs.uniform()));
    }
  });

  it('draws from probabilities the token sampleSoftmax draws from the matching logits, with the same uniforms', () => {
    const shapes = new Rng(9);
    for (const vocab of [5, 300, 4000]) {
      const logits = Float32Array.from({ length: vocab }, () => (shapes.uniform() < 0.2 ? -Infinity : 6 * shapes.uniform() - 3));
      const max = Math.max(...logits);
      const weights = [...logits].map((l) => Math.exp(l - max));
      const total = weights.reduce((a, w) => a + w, 0);
      const probs = Float32Array.from(weights, (w) => w / total);
      const [fromLogits, fromProbs] = [new Rng(vocab), new Rng(vocab)];
      let same = 0;
      for (let k = 0; k < 300; k++) {
        const [a, b] = [sampleSoftmax(logits, fromLogits), sampleProbabilities(probs, fromProbs)];
        expect(logits[b]).toBeGreaterThan(-Infinity);
        // f32 probabilities round the running sums: a draw may land one live token over, never further.
        if (a === b) same++;
        else expect(logits.slice(Math.min(a, b) + 1, Math.max(a, b)).every((l) => l === -Infinity)).toBe(true);
      }
      expect(same).toBeGreaterThanOrEqual(298);
    }
  });

  it('draws from probabilities in proportion, never a zero-probability token', () => {
    const probs = Float32Array.of(0.1, 0, 0.6, 0.3);
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleProbabilities(probs, rng)]++;
    expect(counts[1]).toBe(0);
    [0.1, 0, 0.6, 0.3].forEach((p, i) => expect(Math.abs(counts[i] / n - p)).toBeLessThan(0.015));
  });
});
