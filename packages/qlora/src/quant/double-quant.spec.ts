import { describe, expect, it } from 'vitest';
import { Rng } from '@tunekit/core';
import { DYNAMIC_MAP_SIGNED } from './code-tables.js';
import { quantize4bit } from './blockwise.js';
import { doubleDequantize, doubleQuantize } from './double-quant.js';

const f32 = Math.fround;

function normalAbsmax(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 64);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return quantize4bit(x, { quantType: 'nf4', blocksize: 64 }).absmax;
}

describe('double quantization of absmax', () => {
  it('hand-worked: [1, 2, 3] → offset 2, centred [-1, 0, 1], codes [0, 127, 255]', () => {
    const q = doubleQuantize(Float32Array.from([1, 2, 3]));
    expect(q.offset).toBe(2);
    expect(Array.from(q.nestedAbsmax)).toEqual([1]);
    expect(Array.from(q.quantAbsmax)).toEqual([0, 127, 255]);
    expect(q.nestedQuantMap).toBe(DYNAMIC_MAP_SIGNED);
    expect(q.nestedBlocksize).toBe(256);
    // -1 has no exact code: the most negative entry is -0.99296875
    expect(Array.from(doubleDequantize(q))).toEqual([f32(DYNAMIC_MAP_SIGNED[0]! + 2), 2, 3]);
  });

  it('stores the mean as offset and one nested absmax per 256 values', () => {
    const absmax = normalAbsmax(1000, 7);
    const q = doubleQuantize(absmax);
    let sum = 0;
    for (const a of absmax) sum += a;
    expect(q.offset).toBe(f32(sum / absmax.length));
    expect(q.nestedAbsmax.length).toBe(4);
    expect(q.quantAbsmax.length).toBe(1000);
    for (let b = 0; b < 4; b++) {
      let m = 0;
      for (let i = b * 256; i < Math.min(1000, (b + 1) * 256); i++) m = Math.max(m, Math.abs(f32(absmax[i]! - q.offset)));
      expect(q.nestedAbsmax[b]).toBe(m);
    }
  });

  it('round trip error stays under half the widest map gap times the nested absmax', () => {
    const absmax = normalAbsmax(2048, 3);
    const q = doubleQuantize(absmax);
    const back = doubleDequantize(q);
    let halfGap = 0;
    for (let k = 1; k < 256; k++) halfGap = Math.max(halfGap, (DYNAMIC_MAP_SIGNED[k]! - DYNAMIC_MAP_SIGNED[k - 1]!) / 2);
    let sumRel = 0;
    for (let i = 0; i < absmax.length; i++) {
      const err = Math.abs(back[i]! - absmax[i]!);
      expect(err).toBeLessThanOrEqual(halfGap * q.nestedAbsmax[Math.floor(i / 256)]! + 1e-6);
      sumRel += err / absmax[i]!;
    }
    expect(sumRel / absmax.length).toBeLessThan(0.005);
  });

  it('shifting every absmax by a constant shifts only the offset', () => {
    const absmax = normalAbsmax(300, 11);
    const shifted = absmax.map((a) => a + 0.5);
    const q1 = doubleQuantize(absmax);
    const q2 = doubleQuantize(shifted);
    expect(q2.offset).toBeCloseTo(q1.offset + 0.5, 5);
    expect(Array.from(q2.nestedAbsmax)).toEqual(Array.from(q1.nestedAbsmax).map((m) => expect.closeTo(m, 5)));
  });
});
