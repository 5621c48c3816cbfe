import { describe, expect, it } from 'vitest';
import { smoothDebiasedEma } from './smoothing.js';

describe("TensorBoard's debiased EMA", () => {
  it('matches the closed form: the first point is itself, later ones a bias-corrected running mean', () => {
    const s = smoothDebiasedEma([4, 2, 1], 0.6);
    expect(s[0]).toBeCloseTo(4, 14);
    // (0.4*4*0.6 + 0.4*2) / (1 - 0.36) = (0.96 + 0.8) / 0.64
    expect(s[1]).toBeCloseTo(1.76 / 0.64, 14);
    // (1.76*0.6 + 0.4*1) / (1 - 0.216)
    expect(s[2]).toBeCloseTo((1.76 * 0.6 + 0.4) / 0.784, 14);
  });

  it('weight 0 is the raw series; non-finite points pass through; a constant series is left alone', () => {
    expect(smoothDebiasedEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
    const s = smoothDebiasedEma([2, NaN, 1], 0.5);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBeCloseTo((2 * 0.5 * 0.5 + 0.5 * 1) / 0.75, 14);
    expect(smoothDebiasedEma([5, 5, 5])).toEqual([5, 5, 5]);
  });
});
