import { describe, expect, it } from 'vitest';
import { Parameter } from '../ir/parameter.js';
import { clipGradNorm, gradNorm } from './grad-clip.js';

/** Parameters whose grads are the given arrays (null for no grad). */
const withGrads = (...grads: (number[] | null)[]): Parameter[] =>
  grads.map((g) => {
    const p = Parameter.fromValues([g?.length ?? 1], g ?? [0]);
    p.grad = g ? Float32Array.from(g) : null;
    return p;
  });

const gradsOf = (ps: Parameter[]) => ps.map((p) => (p.grad ? Array.from(p.grad) : null));

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  it('computes the global L2 norm over all grads, ignoring null grads', () => {
    // sqrt(3^2 + 4^2 + 12^2) = 13
    const ps = withGrads([3, 4], null, [12]);
    expect(gradNorm(ps)).toBe(13);
    expect(clipGradNorm(ps, 100)).toBe(13);
  });

  it('leaves grads untouched when the norm is below maxNorm', () => {
    const ps = withGrads([3, 4], [12]);
    expect(clipGradNorm(ps, 26)).toBe(13);
    expect(gradsOf(ps)).toEqual([[3, 4], [12]]);
  });

  it('scales grads by maxNorm / (norm + 1e-6) when above, and returns the norm before clipping', () => {
    const ps = withGrads([3, 4], [12]);
    expect(clipGradNorm(ps, 6.5)).toBe(13);
    const coef = 6.5 / (13 + 1e-6);
    const expected = [3 * coef, 4 * coef, 12 * coef];
    const got = gradsOf(ps).flat() as number[];
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 6));
    expect(gradNorm(ps)).toBeCloseTo(6.5, 5);
  });

  it('supports the L1 and infinity norms', () => {
    expect(clipGradNorm(withGrads([3, -4], [12]), 100, 1)).toBe(19);
    const ps = withGrads([3, -4], [-12]);
    expect(clipGradNorm(ps, 6, Infinity)).toBe(12);
    expect(Math.max(...(gradsOf(ps).flat() as number[]).map(Math.abs))).toBeCloseTo(6, 5);
    expect(gradNorm(withGrads([3, 4]), 3)).toBeCloseTo(Math.cbrt(27 + 64), 12);
  });

  it('returns 0 when there are no grads', () => {
    expect(clipGradNorm(withGrads(null, null), 1)).toBe(0);
  });

  it('returns a non-finite norm as is without touching the grads, or throws on request', () => {
    const inf = withGrads([1, Infinity], [2]);
    expect(clipGradNorm(inf, 1)).toBe(Infinity);
    expect(gradsOf(inf)).toEqual([[1, Infinity], [2]]);
    const nan = withGrads([1, NaN], [2]);
    expect(clipGradNorm(nan, 1)).toBeNaN();
    expect(clipGradNorm(withGrads([NaN, 1]), 1, Infinity)).toBeNaN();
    expect(() => clipGradNorm(withGrads([NaN]), 1, 2, true)).toThrow(/non-finite/);
  });

  it('accumulates in f64: many small f32 squares do not lose precision', () => {
    // An f32 running sum of these 2^20 squares is off by ~3e-3 relative; f64 stays within ~1e-11.
    const n = 1 << 20;
    const ps = withGrads(new Array<number>(n).fill(1e-3));
    expect(Math.abs(gradNorm(ps) / (Math.fround(1e-3) * Math.sqrt(n)) - 1)).toBeLessThan(1e-9);
  });
});
