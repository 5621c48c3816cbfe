import { describe, expect, it } from 'vitest';
import { Parameter } from '../ir/parameter.js';
import { GradAccumulator } from './grad-accumulator.js';

/**
 * Linear model y = w·x + b with loss L = mean_i (w·x_i + b - y_i)^2 over a batch, gradients by hand:
 *   dL/dw = (2/N) sum_i r_i x_i,   dL/db = (2/N) sum_i r_i,   r_i = w·x_i + b - y_i
 */
function mseGrads(w: number[], b: number, xs: number[][], ys: number[]): { dw: Float32Array; db: Float32Array } {
  const n = xs.length;
  const dw = new Float64Array(w.length);
  let db = 0;
  xs.forEach((x, i) => {
    const r = x.reduce((s, xj, j) => s + xj * w[j], b) - ys[i];
    x.forEach((xj, j) => (dw[j] += (2 / n) * r * xj));
    db += (2 / n) * r;
  });
  return { dw: Float32Array.from(dw), db: Float32Array.of(db) };
}

const XS = [
  [1, 2],
  [-1, 0.5],
  [0.25, -3],
  [2, 1],
  [0, -1],
  [1.5, 0.5],
];
const YS = [1, -2, 0.5, 3, -1, 0];
const W = [0.3, -0.2];
const B = 0.1;

describe('GradAccumulator', () => {
  it('sum of micro-batch grads scaled by 1/N equals the full-batch grad of a mean loss', () => {
    const w = Parameter.fromValues([2], W);
    const b = Parameter.fromValues([1], [B]);
    const full = mseGrads(W, B, XS, YS);

    // 3 micro-batches of 2: each micro loss is a mean over 2 samples; dividing it by 3 (scale = 1/3) gives the mean over 6.
    const acc = new GradAccumulator();
    const micro = 3;
    for (let k = 0; k < micro; k++) {
      const g = mseGrads(W, B, XS.slice(2 * k, 2 * k + 2), YS.slice(2 * k, 2 * k + 2));
      acc.add(w, g.dw, 1 / micro);
      acc.add(b, g.db, 1 / micro);
    }
    Array.from(full.dw).forEach((e, i) => expect(w.grad![i]).toBeCloseTo(e, 6));
    expect(b.grad![0]).toBeCloseTo(full.db[0], 6);
    expect(acc.params).toEqual([w, b]);
  });

  it('allocates a fresh grad on the first add (never aliases the input) and accumulates afterwards', () => {
    const p = Parameter.fromValues([3], [0, 0, 0]);
    const g = Float32Array.of(1, 2, 3);
    const acc = new GradAccumulator();
    acc.add(p, g);
    expect(p.grad).not.toBe(g);
    g.fill(10);
    acc.add(p, g, 0.5);
    expect(Array.from(p.grad!)).toEqual([6, 7, 8]);
  });

  it('ignores frozen parameters and rejects mismatched sizes', () => {
    const frozen = Parameter.fromValues([1], [0], 'f32', false);
    const acc = new GradAccumulator();
    acc.add(frozen, Float32Array.of(1));
    expect(frozen.grad).toBeNull();
    expect(() => acc.add(Parameter.fromValues([2], [0, 0]), Float32Array.of(1))).toThrow(/1 elements/);
  });

  it('zeroGrad resets the grads it accumulated', () => {
    const p = Parameter.fromValues([1], [0]);
    const acc = new GradAccumulator();
    acc.addAll([[p, Float32Array.of(2)]]);
    acc.zeroGrad();
    expect(p.grad).toBeNull();
    expect(acc.params).toEqual([]);
  });
});
