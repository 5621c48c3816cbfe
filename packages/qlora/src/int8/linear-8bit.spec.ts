import { afterAll, describe, expect, it } from 'vitest';
import { type Executor, HostTensor, Linear, OrtExecutor, Parameter, ReferenceExecutor, Rng, Tensor, grad } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { int8VectorwiseDequant, quantizeWeightInt8 } from './int8-vectorwise.js';
import { Linear8bit } from './linear-8bit.js';

const ort = new OrtExecutor();
const ref = new ReferenceExecutor();
afterAll(() => ort.dispose());
const executors: [string, Executor][] = [['reference', ref], ['ort', ort]];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const IN = 37;
const OUT = 11;
const X = HostTensor.f32([3, IN], Float32Array.from({ length: 3 * IN }, (_, i) => Math.sin(i * 0.37) * 1.5));

/** A plain f32 Linear holding `lin`'s weight after an independent int8 round trip. */
function hostDequantized(lin: Linear): Linear {
  const q = quantizeWeightInt8(lin.weight.value.toFloat32(), [lin.outFeatures, lin.inFeatures]);
  const out = new Linear(lin.inFeatures, lin.outFeatures, { bias: lin.bias !== null });
  out.weight.assign(HostTensor.f32([lin.outFeatures, lin.inFeatures], int8VectorwiseDequant(q)));
  if (lin.bias && out.bias) out.bias.assign(HostTensor.f32([lin.outFeatures], lin.bias.value.toFloat32()));
  return out;
}

describe('Linear8bit', () => {
  for (const [exName, ex] of executors) {
    it(`forward equals a Linear holding the dequantized weight, and the graph's weight is the host's (${exName})`, async () => {
      const lin = new Linear(IN, OUT, { rng: new Rng(7) });
      const q = Linear8bit.fromLinear(lin);
      const plain = hostDequantized(lin);
      expect(Array.from(q.dequantizedWeight())).toEqual(Array.from(plain.weight.value.toFloat32()));
      const x = Tensor.input('x', [3, IN]);
      const [a, b] = await ex.compile([q.call(x), plain.call(x)]).run({ x: X });
      expect(maxAbsDiff(a!.toFloat32(), b!.toFloat32())).toBeLessThan(1e-6);
      // Dequantized in the graph with the same f32 steps: bit-identical to the host values.
      const [w] = await ex.compile([q.weightTensor()]).run();
      expect(Array.from(w!.toFloat32())).toEqual(Array.from(q.dequantizedWeight()));
    });

    it(`passes the input gradient of the dequantized Linear and keeps its int8 parameters frozen (${exName})`, async () => {
      const lin = new Linear(IN, OUT, { rng: new Rng(11) });
      const q = Linear8bit.fromLinear(lin);
      const plain = hostDequantized(lin);
      const xp = new Parameter(X);
      const loss = (m: Linear | Linear8bit) => m.call(Tensor.param(xp)).square().sum();
      const [ga] = grad(loss(q), [xp]);
      const [gb] = grad(loss(plain), [xp]);
      const [a, b] = await ex.compile([ga!, gb!]).run();
      expect(maxAbsDiff(a!.toFloat32(), b!.toFloat32())).toBeLessThan(1e-5);
      expect(q.trainableParameters()).toEqual([]);
    });
  }

  it('holds bitsandbytes-named parameters: weight i8 [out, in], SCB f32 [out], bias', () => {
    const q = Linear8bit.fromLinear(new Linear(IN, OUT, { rng: new Rng(1) }));
    expect(q.namedParameters().map(([n, p]) => `${n}:${p.dtype}[${p.shape}]`)).toEqual(['weight:i8[11,37]', 'SCB:f32[11]', 'bias:f32[11]']);
    expect(q.quantizedBytes()).toBe(OUT * IN + 4 * OUT);
    expect(q.threshold).toBe(6);
    expect(Linear8bit.fromLinear(new Linear(4, 2, { bias: false }), { threshold: 0 }).bias).toBeNull();
  });

  it('keeps each weight within half a quantization step of its float16 value', () => {
    const lin = new Linear(64, 48, { rng: new Rng(3) });
    const q = Linear8bit.fromLinear(lin);
    const w0 = lin.weight.value.toFloat32();
    const w1 = q.dequantizedWeight();
    const scb = q.SCB.value.data as Float32Array;
    let worst = 0;
    for (let r = 0; r < 48; r++) {
      for (let c = 0; c < 64; c++) {
        const i = r * 64 + c;
        // Half a step, plus float16 rounding of the weight (2^-11 relative), plus f32 slack.
        const bound = scb[r]! / 254 + Math.abs(w0[i]!) * 2 ** -11 + 1e-7;
        worst = Math.max(worst, Math.abs(w1[i]! - w0[i]!) / bound);
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worst).toBeGreaterThan(0.5);
  });

  it('quantizes a GPT-2 Conv1D in Linear orientation (its [in, out] weight transposed first)', async () => {
    const conv = new Conv1D(5, 3, { dtype: 'f32', rng: new Rng(2) });
    conv.bias.assign(HostTensor.f32([3], [0.5, -1, 2]));
    const q = Linear8bit.fromLinear(conv);
    expect(q.weight.shape).toEqual([3, 5]);
    const wio = conv.weight.value.toFloat32(); // [in=5, out=3]
    const woi = Float32Array.from({ length: 15 }, (_, i) => wio[(i % 5) * 3 + Math.floor(i / 5)]!);
    expect(q.weight.value.data).toEqual(quantizeWeightInt8(woi, [3, 5]).CB);
    const x = Tensor.input('x', [2, 5]);
    const xs = HostTensor.f32([2, 5], [1, -2, 3, 0.5, -1, 2, 0, -3, 1, 4]);
    const [got] = await ort.compile([q.call(x)]).run({ x: xs });
    const w = q.dequantizedWeight();
    const want = [0, 1].flatMap((b) => [0, 1, 2].map((o) => [0, 1, 2, 3, 4].reduce((s, k) => s + xs.toFloat32()[b * 5 + k]! * w[o * 5 + k]!, [0.5, -1, 2][o]!)));
    expect(maxAbsDiff(got!.toFloat32(), want)).toBeLessThan(1e-5);
  });

  it('rejects parts that do not fit the shape', () => {
    expect(() => new Linear8bit(3, 2, { CB: new Int8Array(5), SCB: new Float32Array(2) })).toThrow('5 int8 codes cannot be a [2, 3] weight');
    expect(() => new Linear8bit(3, 2, { CB: new Int8Array(6), SCB: new Float32Array(3) })).toThrow('expected 2 row scales (SCB), got 3');
    expect(() => new Linear8bit(3, 2, { CB: new Int8Array(6), SCB: new Float32Array(2), threshold: -1 })).toThrow('threshold must be a finite number >= 0');
  });
});
