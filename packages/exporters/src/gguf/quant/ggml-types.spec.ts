import { describe, expect, it } from 'vitest';
import { Rng } from '@tunekit/core';
import { GGML_TYPES, type GgmlTypeName, decodeTensor, encodeTensor } from './ggml-types.js';

const f16At = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

describe('Q8_0 block', () => {
  it('stores d = amax/127 as f16 and roundf(x/d), halves away from zero', () => {
    const x = new Float32Array(32);
    x.set([1, -2, 0.5]);
    const b = encodeTensor('Q8_0', x);
    expect(b.length).toBe(34);
    expect(f16At(b, 0)).toBe(0x2408); // f16(2/127)
    // x/d = 63.5, −127, 31.75: 63.5 rounds away from zero to 64.
    expect([...new Int8Array(b.buffer, 2, 4)]).toEqual([64, -127, 32, 0]);
  });
});

describe('Q4_0 block', () => {
  it('puts the largest-magnitude value on −8 and packs weight j with weight j+16', () => {
    const x = new Float32Array(32);
    x[0] = -1; // d = −1/−8 = 0.125
    x[1] = 0.5;
    x[16] = 0.25;
    const b = encodeTensor('Q4_0', x);
    expect(b.length).toBe(18);
    expect(f16At(b, 0)).toBe(0x3000); // f16(0.125)
    // codes: x/d + 8.5 truncated: −1 → 0, 0.5 → 12, 0.25 → 10, 0 → 8.
    expect(b[2]).toBe(0 | (10 << 4));
    expect(b[3]).toBe(12 | (8 << 4));
    expect([...b.subarray(4)]).toEqual(new Array(14).fill(0x88));
  });
});

describe('Q4_K block', () => {
  // Sub-block j holds only 0 and (j+1)/8: each is fitted exactly by scale (j+1)/120 with min 0.
  const x = new Float32Array(256);
  for (let j = 0; j < 8; j++) for (let i = 0; i < 32; i += 2) x[32 * j + i] = (j + 1) / 8;
  const b = encodeTensor('Q4_K', x);

  it('packs six-bit scales round(63·scale_j/max) and mins as get_scale_min_k4 reads them', () => {
    expect(b.length).toBe(144);
    expect(f16At(b, 0)).toBe(0x1456); // d = f16((1/15)/63)
    expect(f16At(b, 2)).toBe(0); // no min
    // ls = [8, 16, 24, 32, 39, 47, 55, 63] (31.5 rounds to even); sub-blocks 4-7 split 4 + 2 bits.
    expect([...b.subarray(4, 16)]).toEqual([8 | (2 << 6), 16 | (2 << 6), 24 | (3 << 6), 32 | (3 << 6), 0, 0, 0, 0, 39 & 15, 47 & 15, 55 & 15, 63 & 15]);
  });
  it('stores weights n..n+31 in low nibbles and n+32..n+63 in high nibbles', () => {
    // Even weights are 15, odd ones 0, in both halves of every 64.
    for (let k = 0; k < 128; k++) expect(b[16 + k]).toBe(k % 2 === 0 ? 0xff : 0x00);
  });
});

describe('Q5_K block', () => {
  it('keeps the fifth bit of weight n+j at bit 2·(n/64) (low half) or +1 (high half) of qh[j]', () => {
    const x = new Float32Array(256);
    for (let i = 0; i < 256; i += 2) x[i] = 1;
    const b = encodeTensor('Q5_K', x);
    expect(b.length).toBe(176);
    expect([...b.subarray(4, 8)]).toEqual([63 | (3 << 6), 63 | (3 << 6), 63 | (3 << 6), 63 | (3 << 6)]);
    // Code 31 = 16 + 15 for every 1, 0 for every 0.
    for (let j = 0; j < 32; j++) expect(b[16 + j]).toBe(j % 2 === 0 ? 0xff : 0);
    for (let k = 0; k < 128; k++) expect(b[48 + k]).toBe(k % 2 === 0 ? 0xff : 0);
  });
});

describe('Q6_K block', () => {
  // Every 16-weight sub-block is −1, fourteen 0s, 31/32: an exact fit by 1/32, so sc = −128, d = −2⁻¹².
  const x = new Float32Array(256);
  for (let ib = 0; ib < 16; ib++) {
    x[16 * ib] = -1;
    x[16 * ib + 15] = 31 / 32;
  }
  const b = encodeTensor('Q6_K', x);
  it('stores int8 scales and d last', () => {
    expect(b.length).toBe(210);
    expect([...b.subarray(192, 208)]).toEqual(new Array(16).fill(0x80));
    expect(f16At(b, 208)).toBe(0x8c00);
  });
  it('splits six-bit codes (x/(d·sc) + 32) into ql nibbles and qh bit pairs', () => {
    // Codes: 0 at each sub-block start, 63 at its end, 32 (low nibble 0, top bits 2) between.
    const code = (i: number): number => (i % 16 === 0 ? 0 : i % 16 === 15 ? 63 : 32);
    for (let half = 0; half < 2; half++) {
      for (let l = 0; l < 32; l++) {
        const n = 128 * half;
        expect(b[64 * half + l]).toBe((code(n + l) & 15) | ((code(n + l + 64) & 15) << 4));
        expect(b[64 * half + l + 32]).toBe((code(n + l + 32) & 15) | ((code(n + l + 96) & 15) << 4));
        expect(b[128 + 32 * half + l]).toBe((code(n + l) >> 4) | ((code(n + l + 32) >> 4) << 2) | ((code(n + l + 64) >> 4) << 4) | ((code(n + l + 96) >> 4) << 6));
      }
    }
    expect([...decodeTensor('Q6_K', b, 256)]).toEqual([...x]);
  });
});

describe('every type against its dequantizer', () => {
  const rng = new Rng(7);
  const x = new Float32Array(4096);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal() * 0.05 + (i % 97 === 0 ? 0.3 : 0);
  const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  // Relative RMS error each format reaches on Gaussian weights (about 2^-bits per weight, k-quants better).
  const bound: Record<GgmlTypeName, number> = { F32: 0, F16: 1e-3, BF16: 8e-3, Q8_0: 8e-3, Q6_K: 0.03, Q5_K: 0.06, Q5_1: 0.06, Q5_0: 0.06, Q4_K: 0.12, Q4_0: 0.15 };
  for (const type of Object.keys(GGML_TYPES) as GgmlTypeName[]) {
    it(`${type}: size and reconstruction error`, () => {
      const bytes = encodeTensor(type, x);
      expect(bytes.length).toBe((x.length / GGML_TYPES[type].block) * GGML_TYPES[type].bytes);
      const y = decodeTensor(type, bytes, x.length);
      let se = 0;
      for (let i = 0; i < x.length; i++) se += (x[i]! - y[i]!) ** 2;
      const rel = Math.sqrt(se / x.length) / rms;
      expect(rel).toBeLessThanOrEqual(bound[type]);
      if (type !== 'F32') expect(rel).toBeGreaterThan(0);
    });
  }
});
