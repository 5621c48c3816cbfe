import { HostTensor, ReferenceExecutor, Tensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { ropeInverseFrequencies, rotaryTables } from './rope.js';

describe('ropeInverseFrequencies', () => {
  it('default: theta^(-2i/d)', () => {
    const inv = ropeInverseFrequencies({ theta: 10000, scaling: { type: 'default' }, partialRotaryFactor: 1 }, 8);
    expect(Array.from(inv)).toEqual([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75].map(Math.fround));
  });

  it('llama3: keeps short wavelengths, divides long ones by factor, interpolates between', () => {
    const base = ropeInverseFrequencies({ theta: 500000, scaling: { type: 'default' }, partialRotaryFactor: 1 }, 128);
    const s = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } as const;
    const scaled = ropeInverseFrequencies({ theta: 500000, scaling: s, partialRotaryFactor: 1 }, 128);
    let kept = 0;
    let divided = 0;
    let smoothed = 0;
    base.forEach((f, i) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < 8192 / 4) {
        expect(scaled[i]).toBe(f);
        kept++;
      } else if (wavelen > 8192) {
        expect(scaled[i]).toBeCloseTo(f / 8, 12);
        divided++;
      } else {
        const smooth = (8192 / wavelen - 1) / 3;
        expect(scaled[i]).toBeCloseTo((1 - smooth) * (f / 8) + smooth * f, 9);
        smoothed++;
      }
    });
    // Llama 3.1's real settings exercise all three bands.
    expect([kept > 0, divided > 0, smoothed > 0]).toEqual([true, true, true]);
  });

  it('linear divides every frequency by factor', () => {
    const base = ropeInverseFrequencies({ theta: 10000, scaling: { type: 'default' }, partialRotaryFactor: 1 }, 16);
    const scaled = ropeInverseFrequencies({ theta: 10000, scaling: { type: 'linear', factor: 4 }, partialRotaryFactor: 1 }, 16);
    scaled.forEach((f, i) => expect(f).toBeCloseTo(base[i] / 4, 9));
  });
});

describe('rotaryTables', () => {
  it('computes cos/sin of position × frequency per batch row, duplicated over both halves', async () => {
    const inv = Float32Array.of(1, 0.1);
    const pos = Tensor.input('pos', [2, 3], 'i64');
    const { cos, sin } = rotaryTables(pos, inv);
    expect(cos.shape).toEqual([2, 1, 3, 4]);
    const positions = [0, 1, 2, 5, 0, 7];
    const [c, s] = await new ReferenceExecutor().compile([cos, sin]).run({ pos: HostTensor.i64([2, 3], positions) });
    positions.forEach((p, k) => {
      const angles = [p * 1, p * Math.fround(0.1), p * 1, p * Math.fround(0.1)];
      angles.forEach((a, j) => {
        expect(c.toFloat32()[k * 4 + j]).toBeCloseTo(Math.cos(a), 6);
        expect(s.toFloat32()[k * 4 + j]).toBeCloseTo(Math.sin(a), 6);
      });
    });
  });
});
