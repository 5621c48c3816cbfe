import { describe, expect, it } from 'vitest';
import type { DType } from '../../dtype.js';
import { HostTensor } from '../../host-tensor.js';
import { withScope } from '../../ir/trace-context.js';
import { Parameter } from '../../ir/parameter.js';
import { F } from '../../tensor/functional.js';
import { Tensor } from '../../tensor/tensor.js';
import { ReferenceExecutor, erf, erfc, geluErf } from './index.js';

const ref = new ReferenceExecutor();
const ref64 = new ReferenceExecutor({ precision: 'f64' });

async function run(t: Tensor, feeds: Record<string, HostTensor> = {}, exec = ref): Promise<HostTensor> {
  const [out] = await exec.compile([t]).run(feeds);
  return out;
}

/** Runs in f64 and returns the raw doubles. */
function run64(t: Tensor, feeds: Record<string, HostTensor> = {}): number[] {
  return Array.from(ref64.compile([t]).runValues(feeds)[0].data);
}

const values = (h: HostTensor): number[] => Array.from(h.toFloat32());
const f32 = (shape: number[], v: number[]) => Tensor.fromValues(shape, v);
const i64 = (shape: number[], v: number[]) => Tensor.fromValues(shape, v, 'i64');
const bool = (shape: number[], v: number[]) => Tensor.constant(new HostTensor('bool', shape, Uint8Array.from(v)));
const range = (n: number, scale = 1, shift = 0) => Array.from({ length: n }, (_, i) => i * scale + shift);
/** Deterministic, irregular values in [-1, 1). */
const wobble = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) % 1);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      expect.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tol ${tol})`);
    }
  }
}

describe('elementwise', () => {
  it('broadcasts add and mul', async () => {
    const a = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(values(await run(a.add(f32([3], [10, 20, 30]))))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(values(await run(a.mul(f32([2, 1], [2, 3]))))).toEqual([2, 4, 6, 12, 15, 18]);
    const outer = await run(f32([2, 1], [1, 2]).add(f32([1, 3], [10, 20, 30])));
    expect(outer.shape).toEqual([2, 3]);
    expect(values(outer)).toEqual([11, 21, 31, 12, 22, 32]);
    expect(values(await run(a.add(1)))).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('computes erf and gelu to double precision', () => {
    const erfs: [number, number][] = [
      [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
      [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014], [-0.7, -0.6778011938374184],
      [-4, -0.9999999845827421],
    ];
    for (const [x, v] of erfs) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-15);
    expect(erfc(3) / 2.2090496998585438e-5 - 1).toBeLessThan(1e-14);
    expect(erfc(6) / 2.1519736712498916e-17 - 1).toBeLessThan(1e-14);
    expect(Math.abs(geluErf(-6) / -5.919525870226207e-9 - 1)).toBeLessThan(1e-13); // no 1 + erf cancellation
  });

  it('gelu (erf and tanh forms), silu and rsqrt', async () => {
    const x = f32([5], [1, -1, 0.5, 2, -3]);
    expectClose(run64(x.gelu()), [0.8413447460685429, -0.15865525393145707, 0.34573123063700656, 1.9544997361036416, -0.00404969409489031], 1e-15);
    expectClose(run64(x.gelu('tanh')), [0.8411919906082768, -0.15880800939172324, 0.34571400982514394, 1.954597694087775, -0.0036373920817729943], 1e-15);
    expectClose(values(await run(x.gelu())), [0.8413447460685429, -0.15865525393145707, 0.34573123063700656, 1.9544997361036416, -0.00404969409489031], 1e-7);
    expectClose(run64(x.silu()), [1, -1, 0.5, 2, -3].map((v) => v / (1 + Math.exp(-v))), 1e-15);
    expectClose(run64(f32([2], [4, 0.25]).rsqrt()), [0.5, 2], 0);
    expectClose(run64(f32([2], [-1000, 1000]).sigmoid()), [0, 1], 0);
    expectClose(run64(f32([3], [0.5, -1, 3]).erf()), [0.5204998778130465, -0.8427007929497149, 0.9999779095030014], 1e-15);
  });

  it('divides integers toward zero and compares into bool', async () => {
    const q = await run(i64([4], [-7, 7, 7, 5]).div(i64([4], [2, -2, 2, 0])));
    expect(q.dtype).toBe('i64');
    expect(Array.from(q.data as BigInt64Array, Number)).toEqual([-3, -3, 3, 0]);
    const lt = await run(f32([3], [1, 2, 3]).lt(2));
    expect(lt.dtype).toBe('bool');
    expect(Array.from(lt.data as Uint8Array)).toEqual([1, 0, 0]);
    const w = await run(Tensor.where(bool([3], [1, 0, 1]), f32([3], [1, 2, 3]), -1));
    expect(values(w)).toEqual([1, -1, 3]);
  });

  it('casts: f32 to bf16/f16 rounds to nearest even like storage, float to int truncates, to bool is != 0', async () => {
    const x = f32([6], [1 + 2 ** -8, 1 + 3 * 2 ** -8, 0.1, -2.5, 65520, 1 + 3 * 2 ** -11]);
    const bf = await run(x.cast('bf16'));
    expect(bf.dtype).toBe('bf16');
    expect(values(bf)).toEqual([1, 1.015625, 0.10009765625, -2.5, 65536, 1]);
    const h = await run(x.cast('f16'));
    expect(h.dtype).toBe('f16');
    expect(values(h)).toEqual([1.00390625, 1.01171875, 0.0999755859375, -2.5, Infinity, 1.001953125]);
    // Round trip through bf16 inside the graph, back out as f32.
    expect(values(await run(x.cast('bf16').cast('f32')))).toEqual([1, 1.015625, 0.10009765625, -2.5, 65536, 1]);
    const ints = await run(f32([4], [-2.7, 2.7, -0.5, 3]).cast('i64'));
    expect(Array.from(ints.data as BigInt64Array, Number)).toEqual([-2, 2, 0, 3]);
    const bools = await run(f32([4], [0, -0.5, NaN, 2]).cast('bool'));
    expect(Array.from(bools.data as Uint8Array)).toEqual([0, 1, 1, 1]);
    // f64 precision stays real-valued inside the graph (a rounding step would break finite differences);
    // run() still rounds to the node's storage dtype on the way out.
    expect(run64(x.cast('bf16'))[2]).toBe(Math.fround(0.1));
    expect(values(await run(x.cast('bf16'), {}, ref64))).toEqual([1, 1.015625, 0.10009765625, -2.5, 65536, 1]);
  });

  it('computes f16/bf16 ops in f32 and rounds the result to storage', async () => {
    const p = Parameter.fromValues([2], [1, 256], 'bf16');
    // 1 + 2^-9 rounds back to 1 in bf16; 256 + 1 rounds to 256 (8 significant bits).
    const out = await run(Tensor.param(p).add(Tensor.param(p).mul(0).add(2 ** -9).add(f32([2], [0, 1]).cast('bf16'))));
    expect(out.dtype).toBe('bf16');
    expect(values(out)).toEqual([1, 256]);
  });
});

describe('matmul', () => {
  it('multiplies 2x3 by 3x2', async () => {
    const out = await run(f32([2, 3], [1, 2, 3, 4, 5, 6]).matmul(f32([3, 2], [7, 8, 9, 10, 11, 12])));
    expect(out.shape).toEqual([2, 2]);
    expect(values(out)).toEqual([58, 64, 139, 154]);
  });

  it('broadcasts the batch axes', async () => {
    const [av, bv] = [range(12), range(18, 0.5, -3)];
    // a [2, 1, 2, 3] @ b [3, 3, 2] -> [2, 3, 2, 2]
    const out = await run(f32([2, 1, 2, 3], av).matmul(f32([3, 3, 2], bv)));
    expect(out.shape).toEqual([2, 3, 2, 2]);
    const expected: number[] = [];
    for (let x = 0; x < 2; x++)
      for (let y = 0; y < 3; y++)
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) {
            let s = 0;
            for (let k = 0; k < 3; k++) s += av[x * 6 + i * 3 + k] * bv[y * 6 + k * 2 + j];
            expected.push(s);
          }
    expect(values(out)).toEqual(expected);
  });
});

describe('reductions and normalisation', () => {
  it('softmax rows sum to one and match exp / sum', () => {
    const v = wobble(15).map((x) => 4 * x);
    const out = run64(f32([3, 5], v).softmax(-1));
    for (let r = 0; r < 3; r++) {
      const row = v.slice(r * 5, r * 5 + 5).map(Math.fround);
      const z = row.reduce((a, x) => a + Math.exp(x), 0);
      expectClose(out.slice(r * 5, r * 5 + 5), row.map((x) => Math.exp(x) / z), 1e-14);
      expect(Math.abs(out.slice(r * 5, r * 5 + 5).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-15);
    }
    // Softmax over axis 0 of a [2, 2]: columns sum to one.
    expectClose(run64(f32([2, 2], [0, 0, Math.log(3), 0]).softmax(0)), [0.25, 0.5, 0.75, 0.5], 1e-7);
  });

  it('log_softmax and logsumexp stay finite for large inputs', async () => {
    const x = f32([2], [1000, 1001]);
    expectClose(run64(x.logSoftmax(-1)), [-1.3132616875182228, -0.31326168751822286], 1e-15);
    expectClose(values(await run(x.logSoftmax(-1))), [-1.3132616875182228, -0.31326168751822286], 1e-7);
    expectClose(run64(x.logsumexp()), [1001.3132616875182], 1e-15);
    expectClose(values(await run(x.softmax(-1))), [0.2689414213699951, 0.7310585786300049], 1e-7);
  });

  it('reduces over several axes with and without keepdim', async () => {
    const x = f32([2, 3, 4], range(24)); // x[i, j, k] = 12i + 4j + k
    const s = await run(x.sum([0, 2], true));
    expect(s.shape).toEqual([1, 3, 1]);
    expect(values(s)).toEqual([60, 92, 124]);
    const m = await run(x.mean(1));
    expect(m.shape).toEqual([2, 4]);
    expect(values(m)).toEqual([4, 5, 6, 7, 16, 17, 18, 19]);
    const mx = await run(x.max());
    expect(mx.shape).toEqual([]);
    expect(values(mx)).toEqual([23]);
    expect(values(await run(x.max(-1, true)))).toEqual([3, 7, 11, 15, 19, 23]);
    expectClose(run64(f32([2, 2], [0, 0, 1, 1]).logsumexp(1)), [Math.LN2, 1 + Math.LN2], 1e-15);
  });
});

describe('movement', () => {
  const x23 = f32([2, 3], [0, 1, 2, 3, 4, 5]);

  it('permutes', async () => {
    expect(values(await run(x23.permute(1, 0)))).toEqual([0, 3, 1, 4, 2, 5]);
    const p = await run(f32([2, 3, 4], range(24)).permute(2, 0, 1));
    expect(p.shape).toEqual([4, 2, 3]);
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(12 * i + 4 * j + k);
    expect(values(p)).toEqual(expected);
  });

  it('slices with a step', async () => {
    expect(values(await run(f32([7], range(7)).slice(0, 1, 6, 2)))).toEqual([1, 3, 5]);
    const s = await run(f32([2, 5], range(10)).slice(1, 0, 5, 2));
    expect(s.shape).toEqual([2, 3]);
    expect(values(s)).toEqual([0, 2, 4, 5, 7, 9]);
    expect(values(await run(x23.slice(0, 1).slice(1, -2)))).toEqual([4, 5]);
  });

  it('concatenates, pads, splits, expands and reshapes', async () => {
    const c = await run(Tensor.concat([f32([2, 1], [9, 8]), x23], 1));
    expect(c.shape).toEqual([2, 4]);
    expect(values(c)).toEqual([9, 0, 1, 2, 8, 3, 4, 5]);
    expect(values(await run(Tensor.concat([x23, x23.neg()], 0)))).toEqual([0, 1, 2, 3, 4, 5, -0, -1, -2, -3, -4, -5]);

    const p = await run(f32([1, 2], [1, 2]).pad([[1, 0], [0, 2]], 9));
    expect(p.shape).toEqual([2, 4]);
    expect(values(p)).toEqual([9, 9, 9, 9, 1, 2, 9, 9]);

    const [left, right] = f32([2, 5], range(10)).split([2, 3], 1);
    expect(values(await run(left))).toEqual([0, 1, 5, 6]);
    expect(values(await run(right))).toEqual([2, 3, 4, 7, 8, 9]);

    expect(values(await run(f32([2, 1], [1, 2]).expand(2, 3)))).toEqual([1, 1, 1, 2, 2, 2]);
    expect(values(await run(f32([3], [1, 2, 3]).expand(2, 3)))).toEqual([1, 2, 3, 1, 2, 3]);
    const r = await run(x23.reshape(3, 2).permute(1, 0));
    expect(values(r)).toEqual([0, 2, 4, 1, 3, 5]);
  });
});

describe('indexing', () => {
  it('gathers embedding rows and along inner axes', async () => {
    const table = f32([4, 3], range(12));
    const out = await run(table.gather(0, i64([2, 2], [3, 0, 1, 3])));
    expect(out.shape).toEqual([2, 2, 3]);
    expect(values(out)).toEqual([9, 10, 11, 0, 1, 2, 3, 4, 5, 9, 10, 11]);
    const cols = await run(table.gather(1, i64([2], [2, 0])));
    expect(cols.shape).toEqual([4, 2]);
    expect(values(cols)).toEqual([2, 0, 5, 3, 8, 6, 11, 9]);
  });

  it('takes along an axis', async () => {
    const data = f32([2, 3], [10, 11, 12, 20, 21, 22]);
    expect(values(await run(data.takeAlongAxis(i64([2, 2], [2, 0, 1, 1]), 1)))).toEqual([12, 10, 21, 21]);
    expect(values(await run(data.takeAlongAxis(i64([1, 3], [1, 0, 1]), 0)))).toEqual([20, 11, 22]);
  });

  it('scatter-adds with repeated indices', async () => {
    const out = await run(f32([3], [0, 0, 0]).scatterAdd(0, i64([4], [0, 2, 0, 0]), f32([4], [1, 2, 3, 4])));
    expect(values(out)).toEqual([8, 0, 2]);
    // Indices narrower than base on the other axis (torch.scatter_add semantics).
    const base = f32([3, 3], range(9, 0));
    const two = await run(base.scatterAdd(0, i64([2, 2], [0, 1, 0, 2]), f32([2, 2], [1, 2, 3, 4])));
    expect(values(two)).toEqual([4, 0, 0, 0, 2, 0, 0, 4, 0]);
  });

  it('names the op, the module scope and the bad index', async () => {
    const ids = Tensor.input('ids', [2], 'i64');
    const emb = withScope('model.embed', () => f32([4, 2], range(8)).gather(0, ids));
    const prog = ref.compile([emb]);
    await expect(prog.run({ ids: HostTensor.i64([2], [1, 7]) })).rejects.toThrow(/gather at model\.embed: index 7 out of range \[0, 4\)/);
    await expect(prog.run({ ids: HostTensor.i64([2], [-1, 0]) })).rejects.toThrow(/model\.embed.*index -1/);
    const data = f32([2, 2], range(4));
    const bad = i64([2, 1], [0, 2]);
    expect(() => ref.compile([withScope('head', () => data.takeAlongAxis(bad, 1))]).runValues()).toThrow(/take_along_axis at head: index 2/);
    expect(() => ref.compile([withScope('acc', () => data.scatterAdd(1, bad, f32([2, 1], [1, 1])))]).runValues()).toThrow(/scatter_add at acc: index 2/);
  });
});

// ---- composites, against plain loops written independently of the decompositions ----

describe('composite ops', () => {
  it('rms_norm and layer_norm', () => {
    const [n, d] = [3, 4];
    const xv = wobble(n * d, 2).map((v) => 3 * v);
    const [wv, bv] = [wobble(d, 3), wobble(d, 4)];
    const x = f32([n, d], xv);
    const rms = run64(F.rmsNorm(x, f32([d], wv), 1e-6));
    const ln = run64(F.layerNorm(x, f32([d], wv), f32([d], bv), 1e-5));
    const [xs, ws, bs] = [xv, wv, bv].map((a) => a.map(Math.fround));
    for (let r = 0; r < n; r++) {
      const row = xs.slice(r * d, (r + 1) * d);
      const ms = row.reduce((a, v) => a + v * v, 0) / d;
      const mu = row.reduce((a, v) => a + v, 0) / d;
      const vr = row.reduce((a, v) => a + (v - mu) ** 2, 0) / d;
      for (let c = 0; c < d; c++) {
        expect(rms[r * d + c]).toBeCloseTo((row[c] / Math.sqrt(ms + 1e-6)) * ws[c], 12);
        expect(ln[r * d + c]).toBeCloseTo(((row[c] - mu) / Math.sqrt(vr + 1e-5)) * ws[c] + bs[c], 12);
      }
    }
  });

  it('rotary', () => {
    const [b, h, t, d] = [1, 2, 3, 4];
    const xv = wobble(b * h * t * d, 5);
    const ang = range(t * d).map((i) => Math.fround(0.3 * Math.floor(i / d) * (1 + (i % (d / 2)))));
    const [cv, sv] = [ang.map(Math.cos), ang.map(Math.sin)];
    const out = run64(F.rotary(f32([b, h, t, d], xv), f32([1, 1, t, d], cv), f32([1, 1, t, d], sv)));
    const [xs, cs, ss] = [xv, cv, sv].map((a) => a.map(Math.fround));
    for (let hh = 0; hh < h; hh++)
      for (let tt = 0; tt < t; tt++)
        for (let c = 0; c < d; c++) {
          const base = (hh * t + tt) * d;
          const rot = c < d / 2 ? -xs[base + c + d / 2] : xs[base + c - d / 2];
          const e = xs[base + c] * cs[tt * d + c] + rot * ss[tt * d + c];
          expect(out[base + c]).toBeCloseTo(e, 14);
        }
  });

  /** Plain-loop attention: causal offset S - T, grouped heads, optional mask [B][S] for key padding. */
  function attentionLoops(q: number[], k: number[], v: number[], dims: number[], causal: boolean, keyMask?: number[][]): number[] {
    const [B, Hq, T, D, Hkv, S] = dims;
    // Scalars enter graphs as f32 constants, so the decomposition multiplies by fround(1/√D) even in f64.
    const scale = Math.fround(1 / Math.sqrt(D));
    const out: number[] = [];
    for (let b = 0; b < B; b++)
      for (let h = 0; h < Hq; h++)
        for (let t = 0; t < T; t++) {
          const kh = Math.floor(h / (Hq / Hkv));
          const w: number[] = [];
          for (let s = 0; s < S; s++) {
            const visible = (!causal || s <= t + S - T) && (!keyMask || keyMask[b][s] === 1);
            let dot = 0;
            for (let c = 0; c < D; c++) dot += q[((b * Hq + h) * T + t) * D + c] * k[((b * Hkv + kh) * S + s) * D + c];
            w.push(visible ? Math.exp(dot * scale) : 0);
          }
          // A row with no visible key attends uniformly to every key (transformers' eager attention).
          if (!w.some((x) => x > 0)) w.fill(1);
          const z = w.reduce((a, x) => a + x, 0);
          for (let c = 0; c < D; c++) {
            let acc = 0;
            for (let s = 0; s < S; s++) acc += (w[s] / z) * v[((b * Hkv + kh) * S + s) * D + c];
            out.push(acc);
          }
        }
    return out;
  }

  it.each([
    { name: 'causal, GQA, left-padding mask', T: 3, S: 3, causal: true, mask: [[1, 1, 1], [0, 1, 1]] },
    { name: 'causal with cached keys (S > T)', T: 2, S: 4, causal: true, mask: undefined },
    { name: 'non-causal with mask', T: 2, S: 3, causal: false, mask: [[1, 0, 1], [0, 0, 0]] },
  ])('attention: $name', ({ T, S, causal, mask }) => {
    const [B, Hq, Hkv, D] = [2, 4, 2, 2];
    const [qv, kv, vv] = [wobble(B * Hq * T * D, 6), wobble(B * Hkv * S * D, 7), wobble(B * Hkv * S * D, 8)].map((a) =>
      a.map((x) => Math.fround(2 * x)),
    );
    const maskT = mask ? bool([B, 1, 1, S], mask.flat()) : null;
    const out = F.attention(f32([B, Hq, T, D], qv), f32([B, Hkv, S, D], kv), f32([B, Hkv, S, D], vv), { causal, mask: maskT });
    expect(out.shape).toEqual([B, Hq, T, D]);
    const got = run64(out);
    const expected = attentionLoops(qv, kv, vv, [B, Hq, T, D, Hkv, S], causal, mask);
    expectClose(got, expected, 1e-12);
    // The first query of padded batch 1 sees no key at all: it averages every value, not zero.
    if (mask && causal) expect(got.slice(Hq * T * D, Hq * T * D + D)).not.toEqual([0, 0]);
  });

  it('cross_entropy with ignore_index and each reduction', async () => {
    const [n, c] = [4, 3];
    const lv = wobble(n * c, 9).map((x) => Math.fround(3 * x));
    const labels = [1, -100, 2, 0];
    const logits = f32([n, c], lv);
    const target = i64([n], labels);
    const nll = labels.map((y, r) => {
      if (y === -100) return 0;
      const row = lv.slice(r * c, (r + 1) * c);
      return Math.log(row.reduce((a, x) => a + Math.exp(x), 0)) - row[y];
    });
    const total = nll.reduce((a, b) => a + b, 0);
    expectClose(run64(F.crossEntropy(logits, target, { reduction: 'none' })), nll, 1e-14);
    expectClose(run64(F.crossEntropy(logits, target, { reduction: 'sum' })), [total], 1e-14);
    expectClose(run64(F.crossEntropy(logits, target)), [total / 3], 1e-14);
    expectClose(values(await run(F.crossEntropy(logits, target))), [total / 3], 1e-6);
    const allIgnored = i64([n], [-100, -100, -100, -100]);
    expect(run64(F.crossEntropy(logits, allIgnored))).toEqual([0]);
  });
});

describe('executor', () => {
  it('keeps f64 precision in f64 mode and rounds to f32 otherwise', async () => {
    const y = Tensor.input('x', [1]).add(1e-10).sub(1);
    const feeds = { x: HostTensor.f32([1], [1]) };
    const [v64] = ref64.compile([y]).runValues(feeds);
    expect(v64.data).toBeInstanceOf(Float64Array);
    expect(v64.data[0]).not.toBe(0);
    // 1 + 1e-10 itself rounds at 1e-16 in double; f32 would lose the whole 1e-10.
    expect(Math.abs(v64.data[0] - Math.fround(1e-10))).toBeLessThan(1e-15);
    const [v32] = ref.compile([y]).runValues(feeds);
    expect(v32.data).toBeInstanceOf(Float32Array);
    expect(v32.data[0]).toBe(0);
    const [host] = await ref64.compile([y]).run(feeds);
    expect(host.dtype).toBe('f32');
  });

  it('rejects a missing feed, a wrong shape and a wrong dtype, naming the input', async () => {
    const prog = ref.compile([Tensor.input('tokens', [2, 3]).sum()]);
    await expect(prog.run({})).rejects.toThrow(/missing feed for input "tokens"/);
    await expect(prog.run({ tokens: HostTensor.f32([3, 2]) })).rejects.toThrow(/"tokens" expects f32\[2, 3\], got f32\[3, 2\]/);
    await expect(prog.run({ tokens: HostTensor.i64([2, 3], range(6)) })).rejects.toThrow(/"tokens" expects f32\[2, 3\], got i64/);
  });

  it('reads parameters at every run and applies float64 overrides', async () => {
    const p = Parameter.fromValues([2], [1, 2]);
    const y = Tensor.param(p).mul(Tensor.param(p)).sum();
    const prog = ref64.compile([y]);
    expect(values((await prog.run())[0])).toEqual([5]);
    p.value.data[0] = 3; // in-place update, as an optimizer does
    expect(values((await prog.run())[0])).toEqual([13]);
    p.assign(HostTensor.f32([2], [0, 1]));
    expect(prog.runValues()[0].data[0]).toBe(1);
    const [v] = prog.runValues({}, { paramOverrides: new Map([[p, Float64Array.of(1 + 1e-12, 0)]]) });
    expect(v.data[0]).toBe((1 + 1e-12) ** 2);
    expect(() => prog.runValues({}, { paramOverrides: new Map([[p, Float64Array.of(1)]]) })).toThrow(/override/);
  });

  it('returns every requested output, shared and repeated ones included, with their dtypes', async () => {
    const x = Tensor.input('x', [3]);
    const e = x.exp();
    const outs = await ref.compile([e, e.add(e), e, x.gt(0), x.cast('i64' as DType)]).run({ x: HostTensor.f32([3], [0, 1, -1.5]) });
    expect(outs.map((o) => o.dtype)).toEqual(['f32', 'f32', 'f32', 'bool', 'i64']);
    expectClose(values(outs[0]), [1, Math.E, Math.exp(-1.5)]);
    expectClose(values(outs[1]), [2, 2 * Math.E, 2 * Math.exp(-1.5)]);
    expect(values(outs[2])).toEqual(values(outs[0]));
    expect(Array.from(outs[4].data as BigInt64Array, Number)).toEqual([0, 1, -1]);
  });
});
