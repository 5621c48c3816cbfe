import { describe, expect, it } from 'vitest';
import {
  DYNAMIC_MAP_SIGNED,
  FP4_CODE,
  FP4_DEQUANT_LUT,
  FP4_THRESHOLDS,
  NF4_CODE,
  NF4_THRESHOLDS,
  dequantizeFp4Value,
  quantizeFp4Value,
  quantizeNf4Value,
  quantizeToMap,
} from './code-tables.js';

const f32 = Math.fround;

/** Next float32 above a finite float32 `x`. */
function nextUp(x: number): number {
  const buf = new Float32Array([x]);
  const bits = new Int32Array(buf.buffer);
  if (x === 0) return 1.401298464324817e-45;
  bits[0] = x > 0 ? bits[0]! + 1 : bits[0]! - 1;
  return buf[0]!;
}

describe('NF4 table (bitsandbytes get_4bit_type("nf4"))', () => {
  it('equals the published 16 levels exactly (as float32)', () => {
    const published = [
      -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
      -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
      0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
      0.7229568362236023, 1.0,
    ];
    expect(Array.from(NF4_CODE)).toEqual(published.map(f32));
  });

  it("the kernel's tree thresholds are the midpoints of neighbouring levels", () => {
    for (let k = 0; k < 15; k++) {
      expect(NF4_THRESHOLDS[k]!).toBeCloseTo((NF4_CODE[k]! + NF4_CODE[k + 1]!) / 2, 7);
    }
  });

  it('maps every level to its own code', () => {
    for (let k = 0; k < 16; k++) expect(quantizeNf4Value(NF4_CODE[k]!)).toBe(k);
  });

  it('a value exactly on a threshold takes the lower code; the next float32 up the upper one', () => {
    for (let k = 0; k < 15; k++) {
      const t = NF4_THRESHOLDS[k]!;
      expect(quantizeNf4Value(t)).toBe(k);
      expect(quantizeNf4Value(nextUp(t))).toBe(k + 1);
    }
    expect(quantizeNf4Value(f32(0.03979014977812767))).toBe(0b0111);
    expect(quantizeNf4Value(NaN)).toBe(0b0000);
  });
});

describe('FP4 table (bitsandbytes get_4bit_type("fp4") and dQuantizeFP4)', () => {
  it('is the published list divided by 12, index = code (sign bit 3, E2M1 bias 3)', () => {
    const raw = [0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3];
    expect(Array.from(FP4_CODE)).toEqual(raw.map((v) => f32(v / 12)));
    expect(FP4_CODE[0b0011]).toBe(1);
    expect(FP4_CODE[0b0111]).toBe(0.25);
  });

  it("the kernel's dequantization LUT equals the normalised table", () => {
    for (let c = 0; c < 16; c++) expect(dequantizeFp4Value(c)).toBe(FP4_CODE[c]);
    expect(Array.from(FP4_DEQUANT_LUT)).toEqual(Array.from(FP4_CODE.slice(0, 8)));
  });

  it('maps every level to its own code (signed zero goes to +0)', () => {
    for (let c = 0; c < 16; c++) {
      const expected = c === 0b1000 ? 0 : c;
      expect(quantizeFp4Value(FP4_CODE[c]!)).toBe(expected);
    }
  });

  it('ties at thresholds go to the smaller magnitude, symmetric in sign', () => {
    const t = FP4_THRESHOLDS;
    const cases: Array<[number, number, number]> = [
      [t.t0, 0b0000, 0b0001],
      [t.t1, 0b0001, 0b0110],
      [t.t2, 0b0110, 0b0111],
      [t.t3, 0b0111, 0b0100],
      [t.t4, 0b0100, 0b0101],
      [t.t5, 0b0101, 0b0010],
      [t.t6, 0b0010, 0b0011],
    ];
    for (const [x, atTie, above] of cases) {
      expect(quantizeFp4Value(x)).toBe(atTie);
      expect(quantizeFp4Value(nextUp(x))).toBe(above);
      expect(quantizeFp4Value(-x)).toBe(atTie | 0b1000);
    }
    expect(quantizeFp4Value(-0)).toBe(0);
  });
});

describe('signed 8-bit dynamic map (create_dynamic_map(signed=True))', () => {
  const code = DYNAMIC_MAP_SIGNED;

  it('has 256 sorted entries: 127 negatives, 0, 127 positives mirrored, then 1.0', () => {
    expect(code.length).toBe(256);
    for (let i = 1; i < 256; i++) expect(code[i]!).toBeGreaterThan(code[i - 1]!);
    expect(code[127]).toBe(0);
    expect(code[255]).toBe(1);
    for (let i = 0; i < 127; i++) expect(code[i]).toBe(-code[254 - i]!);
  });

  it('matches hand-derived entries', () => {
    // smallest magnitude: 1e-6 * mean(linspace(0.1, 1, 2)) = 1e-6 * 0.55
    expect(code[128]).toBe(f32(f32(1e-6) * f32(0.55)));
    // largest magnitude below 1: (1 + (1 - 0.9/64)) / 2 = 0.99296875
    expect(code[254]!).toBeCloseTo(0.99296875, 7);
    expect(code[0]!).toBeCloseTo(-0.99296875, 7);
    // exponent 10^-5 bucket: means of linspace(0.1, 1, 3) = 0.325, 0.775
    expect(code[129]!).toBeCloseTo(3.25e-6, 12);
    expect(code[130]!).toBeCloseTo(7.75e-6, 12);
  });

  it('dQuantize returns each entry for itself and the nearest entry otherwise', () => {
    for (let k = 0; k < 256; k++) expect(quantizeToMap(code, code[k]!)).toBe(k);
    let seed = 12345;
    for (let n = 0; n < 2000; n++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const x = f32((seed / 2 ** 32) * 2 - 1);
      const q = quantizeToMap(code, x);
      let best = Infinity;
      for (let k = 0; k < 256; k++) best = Math.min(best, Math.abs(x - code[k]!));
      expect(Math.abs(x - code[q]!)).toBeCloseTo(best, 9);
    }
  });

  it('an exact midpoint goes to the final pivot of the binary search', () => {
    // search for mid(code[127]=0, code[128]) descends to pivot 128 from above → 128 (upper)
    const m1 = f32(f32(code[127]! + code[128]!) * 0.5);
    expect(quantizeToMap(code, m1)).toBe(128);
    // search for mid(code[128], code[129]) also ends on pivot 128, now the lower neighbour → 128
    const m2 = f32(f32(code[128]! + code[129]!) * 0.5);
    expect(quantizeToMap(code, m2)).toBe(128);
    expect(quantizeToMap(code, nextUp(m2))).toBe(129);
  });
});
