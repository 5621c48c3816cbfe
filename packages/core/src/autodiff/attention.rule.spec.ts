import { describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { Parameter } from '../ir/parameter.js';
import { Rng } from '../random/rng.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { grad } from './grad.js';

/**
 * Attention's backward where a query sees no key, as torch's autograd computes it through
 * transformers' eager attention: scores + mask (the dtype's minimum where masked) → softmax. The
 * row's p is uniform, and the softmax backward at that p, dS = p ⊙ (dP − Σ p·dP), passes through
 * the additive mask to q and k unchanged. Written as loops over one head.
 */
function torchGradients(q: number[][], k: number[][], v: number[][], visible: boolean[][], g: number[][], scale: number) {
  const [t, s, d] = [q.length, k.length, q[0].length];
  const dot = (a: number[], b: number[]) => a.reduce((acc, x, i) => acc + x * b[i], 0);
  const dq = q.map((row) => row.map(() => 0));
  const dk = k.map((row) => row.map(() => 0));
  const dv = v.map((row) => row.map(() => 0));
  for (let i = 0; i < t; i++) {
    const dead = !visible[i].some(Boolean);
    const e = k.map((kj, j) => (dead ? 1 : visible[i][j] ? Math.exp(dot(q[i], kj) * scale) : 0));
    const z = e.reduce((a, b) => a + b, 0);
    const p = e.map((x) => x / z);
    const dp = v.map((vj) => dot(g[i], vj));
    const mean = p.reduce((acc, pj, j) => acc + pj * dp[j], 0);
    for (let j = 0; j < s; j++) {
      const ds = p[j] * (dp[j] - mean) * scale;
      for (let c = 0; c < d; c++) {
        dq[i][c] += ds * k[j][c];
        dk[j][c] += ds * q[i][c];
        dv[j][c] += p[j] * g[i][c];
      }
    }
  }
  return [dq, dk, dv];
}

describe('attention gradient where a query sees no key (transformers eager, left padding)', () => {
  it('matches torch autograd for q, k and v on the reference executor (f64) and on ORT', async () => {
    const rng = new Rng(5);
    const [t, s, d] = [3, 3, 4];
    const rows = (n: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => Math.fround(2 * rng.uniform() - 1)));
    const [q, k, v, g] = [rows(t), rows(s), rows(s), rows(t)];
    // Key 0 is a pad: query 0 (itself the pad) sees nothing, the others see keys 1..i.
    const keyMask = [0, 1, 1];
    const visible = q.map((_, i) => k.map((_, j) => j <= i && keyMask[j] === 1));
    const params = [q, k, v].map((x, n) => Object.assign(Parameter.fromValues([1, 1, x.length, d], x.flat()), { name: `x${n}` }));
    const [pq, pk, pv] = params.map((p) => Tensor.param(p));
    const mask = Tensor.constant(new HostTensor('bool', [1, 1, 1, s], Uint8Array.from(keyMask)));
    const scale = 0.5;
    const out = F.attention(pq, pk, pv, { mask, scale });
    const loss = out.mul(Tensor.constant(HostTensor.f32([1, 1, t, d], g.flat()))).sum();
    const grads = grad(loss, params);
    const want = torchGradients(q, k, v, visible, g, scale).map((x) => x.flat());

    const f64 = new ReferenceExecutor({ precision: 'f64' }).compile(grads).runValues({});
    f64.forEach((got, n) => want[n].forEach((w, i) => expect(got.data[i]).toBeCloseTo(w, 6)));
    // The pad query's row is the mean of every value, and its q still gets a gradient, as in torch.
    const [first] = await new ReferenceExecutor().compile([out]).run({});
    v[0].forEach((_, c) => expect(first.toFloat32()[c]).toBeCloseTo((v[0][c] + v[1][c] + v[2][c]) / 3, 6));
    expect(Math.max(...want[0].slice(0, d).map(Math.abs))).toBeGreaterThan(1e-3);

    const ort = new OrtExecutor({ threads: 1 });
    const onOrt = await ort.compile(grads).run({});
    await ort.dispose();
    onOrt.forEach((got, n) => want[n].forEach((w, i) => expect(got.toFloat32()[i]).toBeCloseTo(w, 5)));
  });
});
