import { describe, expect, it } from 'vitest';
import { dequantizeQ4, quantizeQ4 } from './matmul-nbits.quantizer.js';

describe('quantizeQ4 (MatMulNBits int4 layout)', () => {
  it('packs a hand-computed block: range widened to 0, scale (max-min)/15, zero point, low nibble first', () => {
    // One row, K = 4, block 4: min -1, max 2 → scale 0.2, zp round(1/0.2) = 5.
    const q = quantizeQ4(Float32Array.of(-1, 0, 0.6, 2), 1, 4, 4);
    expect(q.scales[0]).toBe(Math.fround(0.2));
    expect(q.zeroPoints).toEqual(Uint8Array.of(5));
    // codes: round(-1/0.2)+5 = 0, 0+5 = 5, round(0.6/0.2)+5 = 8, round(2/0.2)+5 = 15.
    expect(Array.from(q.packed)).toEqual([0 | (5 << 4), 8 | (15 << 4)]);
  });

  it('symmetric: zero point 8, the largest magnitude (with its sign) at code 0, scale it / −8', () => {
    // max |w| is 2 → scale −0.25; codes round(w / −0.25) + 8: −1 → 12, 0 → 8, 0.6 → round(−2.4) + 8 = 6, 2 → 0.
    const q = quantizeQ4(Float32Array.of(-1, 0, 0.6, 2), 1, 4, 4, { symmetric: true });
    expect(q.scales[0]).toBe(-0.25);
    expect(q.zeroPoints).toEqual(Uint8Array.of(8));
    expect(Array.from(q.packed)).toEqual([12 | (8 << 4), 6 | (0 << 4)]);
    expect(Array.from(dequantizeQ4(q), (v) => v + 0)).toEqual([-1, 0, 0.5, 2]);
  });

  it('keeps a positive-only block exact at 0 and zero-pads a short last block', () => {
    // K = 6 in blocks of 4: the second block holds 2 values and 2 zeros of padding.
    const w = Float32Array.of(1, 2, 3, 4, 0, 7.5);
    const q = quantizeQ4(w, 1, 6, 4);
    expect(q.packed.length).toBe(2 * 2);
    // Two blocks share one zero-point byte, the first in the low nibble; both blocks start at 0, so zp 0.
    expect(q.zeroPoints).toEqual(Uint8Array.of(0));
    const back = dequantizeQ4(q);
    expect(back[4]).toBe(0);
    expect(back[5]).toBeCloseTo(7.5, 6);
    expect(back[3]).toBeCloseTo(4, 6);
  });

  it.each([false, true])('round-trips random rows within half a step of each block (symmetric: %s)', (symmetric) => {
    const [n, k] = [3, 70];
    const w = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const q = quantizeQ4(w, n, k, 32, { symmetric });
    const back = dequantizeQ4(q);
    const blocks = Math.ceil(k / 32);
    for (let i = 0; i < n * k; i++) {
      const scale = q.scales[Math.floor(i / k) * blocks + Math.floor((i % k) / 32)];
      // Symmetric codes reach 8 steps on the largest value's side but 7 on the other, clamping there.
      const step = Math.abs(scale);
      const clamped = symmetric && Math.abs(w[i]) > 7.5 * step;
      expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual((clamped ? step : step / 2) + 1e-6);
    }
  });
});
