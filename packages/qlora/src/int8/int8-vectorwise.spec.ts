import { describe, expect, it } from 'vitest';
import { Rng } from '@tunekit/core';
import { INT8_DEQUANT_SCALE, int8VectorwiseDequant, int8VectorwiseQuant, quantizeWeightInt8, roundHalfEven } from './int8-vectorwise.js';

const f = Math.fround;

describe('roundHalfEven (torch.round)', () => {
  it('sends ties to the even neighbour and everything else to the nearest integer', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, -2, -4]);
    expect([2.4999, 2.5001, -2.5001, 126.6, -127.2].map(roundHalfEven)).toEqual([2, 3, -3, 127, -127]);
  });
});

describe('int8VectorwiseQuant (bitsandbytes int8_vectorwise_quant, threshold 0)', () => {
  it('matches hand-derived codes: absmax per row, ties to even, negative rows, a zero row', () => {
    const rows = [
      // absmax 127 → scale f32(127/127) = 1: the codes are the values rounded half to even.
      [127, 2.5, 3.5, -2.5, -0.5, 0.5, -1.5, 0],
      // absmax is the |−2|: scale 63.5 (exact), 1 → 63.5 → 64, 0.25 → 15.875 → 16, −0.75 → −47.625 → −48.
      [-2, 1, 0.25, -1, 0.5, 2, 0, -0.75],
      // A zero row: scale 127/0 = inf, 0·inf = NaN, written as 0 (CUDA __float2int_rn, bnb's C CPU kernel).
      [0, 0, 0, 0, 0, 0, 0, 0],
      // f32(127 / 3.75) = 33.8666648… lies below 33.8666…, so −1.875 · scale = −63.4999962 → −63,
      // where exact arithmetic (127 · −1.875 / 3.75 = −63.5) would give −64.
      [3.75, -1.875, 0, 0, 0, 0, 0, 1.875],
    ];
    const q = int8VectorwiseQuant(rows.flat(), [4, 8]);
    expect(Array.from(q.SCB)).toEqual([127, 2, 0, 3.75]);
    expect(Array.from(q.CB)).toEqual([
      127, 2, 4, -2, 0, 0, -2, 0,
      -127, 64, 16, -64, 32, 127, 0, -48,
      0, 0, 0, 0, 0, 0, 0, 0,
      127, -63, 0, 0, 0, 0, 0, 63,
    ]);
    expect(q.CB).toBeInstanceOf(Int8Array);
    expect(q.shape).toEqual([4, 8]);
  });

  it('dequantizes as CB · SCB · f32(1/127) in f32, zero rows to 0', () => {
    expect(INT8_DEQUANT_SCALE).toBe(7.874015718698502e-3);
    const q = { CB: Int8Array.of(64, -127, 9, 0, 0, 0), SCB: Float32Array.of(2, 0), shape: [2, 3] as const };
    const w = int8VectorwiseDequant(q);
    // 64 · 2 = 128, and 128 · f32(1/127) = 1.0078740119934082 exactly (a power-of-two multiple).
    expect(w[0]).toBe(1.0078740119934082);
    // −127 · 2 = −254; −254 · 0.0078740157… = −2.0000000925… rounds to −2 in f32.
    expect(w[1]).toBe(-2);
    // 9 · 2 = 18; 18 · 0.0078740157186985 = 0.14173228293657… whose nearest f32 is 0.14173227548599243,
    // one ulp below f32(18 / 127) = 0.14173229038715363: bitsandbytes multiplies, it does not divide.
    expect(w[2]).toBe(0.14173227548599243);
    expect(w[2]).not.toBe(f(18 / 127));
    expect(Array.from(w.subarray(3))).toEqual([0, 0, 0]);
  });

  it('bounds the round-trip error by half a step (SCB/254) per row', () => {
    const rng = new Rng(5);
    const [rows, cols] = [64, 100];
    const a = Float32Array.from({ length: rows * cols }, (_, i) => (rng.uniform() * 2 - 1) * (1 + (i % 7)) * 0.1);
    const q = int8VectorwiseQuant(a, [rows, cols]);
    const back = int8VectorwiseDequant(q);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      const step = q.SCB[r]! / 127;
      for (let c = 0; c < cols; c++) worst = Math.max(worst, Math.abs(back[r * cols + c]! - a[r * cols + c]!) / (step / 2));
      // The absmax element itself comes back to ±127 steps.
      const at = a.subarray(r * cols, (r + 1) * cols).findIndex((v) => Math.abs(v) === q.SCB[r]);
      expect(Math.abs(q.CB[r * cols + at]!)).toBe(127);
    }
    expect(worst).toBeLessThanOrEqual(1 + 1e-5);
    expect(worst).toBeGreaterThan(0.9); // the bound is tight, not loose by orders of magnitude
  });

  it('rejects non-finite values and a shape that does not fit', () => {
    expect(() => int8VectorwiseQuant([1, NaN, 2, 3], [2, 2])).toThrow('row 0, column 1 holds NaN');
    expect(() => int8VectorwiseQuant([1, 2, 3], [2, 2])).toThrow('shape [2, 2] does not hold 3 values');
  });
});

describe('quantizeWeightInt8 (Int8Params._quantize)', () => {
  it('rounds the weight to float16 first, so SCB is a float16 value', () => {
    // The float16 nearest 0.1 is 1638/16384 = 0.0999755859375; −0.05 becomes its exact half.
    const q = quantizeWeightInt8([0.1, -0.05, 0.0999755859375, 0], [2, 2]);
    expect(q.SCB[0]).toBe(0.0999755859375);
    expect(q.SCB[1]).toBe(0.0999755859375);
    // −0.04998779296875 · f32(127 / 0.0999755859375) = −0.0499878 · 1270.3101807 = −63.5000038 → −64.
    expect(Array.from(q.CB)).toEqual([127, -64, 127, 0]);
    // Without the float16 step the absmax would be f32(0.1).
    expect(int8VectorwiseQuant([0.1, -0.05], [1, 2]).SCB[0]).toBe(f(0.1));
  });

  it('refuses weights float16 cannot hold', () => {
    expect(() => quantizeWeightInt8([1, 70000], [1, 2])).toThrow('weight 1 (row 0) is 70000, which is not finite as float16');
  });
});
