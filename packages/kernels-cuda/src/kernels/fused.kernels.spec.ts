import { AdamW, F, HostTensor, Parameter, ReferenceExecutor, Rng, Tensor, fromFloat32, grad, toFloat32 } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { emulatorUnavailable } from '../emulate/emu-build.js';
import { KernelHarness, buf, f32, i64 } from '../emulate/kernel-harness.test-support.js';
import { adamwSource } from './adamw.kernel.js';
import { crossEntropyBwdSource, crossEntropyFwdSource, crossEntropyReduceSource } from './cross-entropy.kernel.js';
import { type GluKind, gluBwdSource, gluFwdSource } from './glu.kernel.js';
import { rowBlock } from './kernel-source.js';
import { columnSumSource, rmsNormBwdSource, rmsNormFwdSource } from './norm.kernel.js';

const rng = new Rng(11);
const rand = (n: number, lo = -1, hi = 1): number[] => Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const values = (h: HostTensor): number[] => Array.from(toFloat32(h.dtype, h.data));

/** Value and gradients (for dL/dout = gw) of `fn` over f32 parameters, from the reference executor. */
async function referenceGrads(shapes: number[][], data: number[][], fn: (...x: Tensor[]) => Tensor, gw: number[]): Promise<number[][]> {
  const params = shapes.map((s, i) => Parameter.fromValues(s, data[i]));
  const out = fn(...params.map((p) => Tensor.param(p)));
  const loss = out.mul(Tensor.constant(HostTensor.f32([...out.shape], gw))).sum();
  return (await new ReferenceExecutor().compile([out, ...grad(loss, params)]).run()).map(values);
}

const missing = emulatorUnavailable();
describe.skipIf(missing !== null)(`fused kernels on the g++ emulator${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('RMSNorm forward and backward (dx, dw) match core\'s rule within 1e-5', async () => {
    const [rows, d] = [6, 40];
    const [x, w, gw] = [rand(rows * d), rand(d, 0.5, 1.5), rand(rows * d)];
    const want = await referenceGrads([[rows, d], [d]], [x, w], (a, b) => F.rmsNorm(a, b, 1e-5), gw);
    const h = new KernelHarness();
    const [bx, bw, bg] = [h.input(HostTensor.f32([rows, d], x)), h.input(HostTensor.f32([d], w)), h.input(HostTensor.f32([rows, d], gw))];
    const [y, rstd, dx, dwRows, dw] = [h.temp('f32', [rows, d]), h.temp('f32', [rows]), h.temp('f32', [rows, d]), h.temp('f32', [rows, d]), h.temp('f32', [d])];
    h.launch({ ...rmsNormFwdSource('f32'), grid: [rows, 1, 1], block: [rowBlock(d), 1, 1], args: [buf(bx), buf(bw), buf(y), buf(rstd), i64(d), f32(1e-5)], writes: [y, rstd] })
      .launch({ ...rmsNormBwdSource('f32'), grid: [rows, 1, 1], block: [rowBlock(d), 1, 1], args: [buf(bx), buf(bw), buf(bg), buf(rstd), buf(dx), buf(dwRows), i64(d)], writes: [dx, dwRows] })
      .launch({ ...columnSumSource('f32'), grid: [1, 1, 1], block: [64, 1, 1], args: [buf(dwRows), buf(dw), i64(rows), i64(d)], writes: [dw] });
    const got = (await h.run([y, dx, dw])).map(values);
    const errors = got.map((g, i) => maxDiff(g, want[i]));
    console.log(`rms_norm: max |error| y ${errors[0].toExponential(2)}, dx ${errors[1].toExponential(2)}, dw ${errors[2].toExponential(2)}`);
    errors.forEach((e) => expect(e).toBeLessThan(1e-5));
  });

  it('chunked cross-entropy (vocabulary 1000 > one block of 256): mean loss and dlogits match within 1e-5, ignored rows included', async () => {
    const [n, c] = [5, 1000];
    const logits = rand(n * c, -4, 4);
    const labels = [3, -100, 999, 0, 512];
    const p = Parameter.fromValues([n, c], logits);
    const loss = F.crossEntropy(Tensor.param(p), Tensor.constant(HostTensor.i64([n], labels)));
    const want = (await new ReferenceExecutor().compile([loss, ...grad(loss, [p])]).run()).map(values);
    const valid = labels.filter((y) => y !== -100).length;

    const h = new KernelHarness();
    const [bl, by, bg] = [h.input(HostTensor.f32([n, c], logits)), h.input(HostTensor.i64([n], labels)), h.input(HostTensor.f32([1], [1]))];
    const [rows, lse, mean, dl] = [h.temp('f32', [n]), h.temp('f32', [n]), h.temp('f32', [1]), h.temp('f32', [n, c])];
    h.launch({ ...crossEntropyFwdSource('f32'), grid: [n, 1, 1], block: [256, 1, 1], args: [buf(bl), buf(by), buf(rows), buf(lse), i64(c), i64(-100)], writes: [rows, lse] })
      .launch({ ...crossEntropyReduceSource('f32', true), grid: [1, 1, 1], block: [32, 1, 1], args: [buf(rows), buf(by), buf(mean), i64(n), i64(-100)], writes: [mean] })
      .launch({ ...crossEntropyBwdSource('f32'), grid: [n, 1, 1], block: [256, 1, 1], args: [buf(bl), buf(by), buf(lse), buf(bg), i64(0), f32(1 / valid), buf(dl), i64(c), i64(-100)], writes: [dl] });
    const got = (await h.run([mean, dl])).map(values);
    const errors = got.map((g, i) => maxDiff(g, want[i]));
    console.log(`cross_entropy: |error| loss ${errors[0].toExponential(2)}, max dlogits ${errors[1].toExponential(2)}`);
    errors.forEach((e) => expect(e).toBeLessThan(1e-5));
  });

  const GLU: Record<GluKind, (g: Tensor, u: Tensor) => Tensor> = {
    swiglu: (g, u) => g.silu().mul(u),
    geglu: (g, u) => g.gelu('tanh').mul(u),
  };
  for (const kind of ['swiglu', 'geglu'] as const) {
    it(`${kind} forward and backward match the reference within 1e-5`, async () => {
      const n = 300;
      const [gate, up, gw] = [rand(n, -4, 4), rand(n), rand(n)];
      const want = await referenceGrads([[n], [n]], [gate, up], GLU[kind], gw);
      const h = new KernelHarness();
      const [bgate, bup, bg] = [gate, up, gw].map((v) => h.input(HostTensor.f32([n], v)));
      const [y, dgate, dup] = [h.temp('f32', [n]), h.temp('f32', [n]), h.temp('f32', [n])];
      h.launch({ ...gluFwdSource('f32', kind), grid: [2, 1, 1], block: [128, 1, 1], args: [buf(bgate), buf(bup), buf(y), i64(n)], writes: [y] })
        .launch({ ...gluBwdSource('f32', kind), grid: [2, 1, 1], block: [128, 1, 1], args: [buf(bgate), buf(bup), buf(bg), buf(dgate), buf(dup), i64(n)], writes: [dgate, dup] });
      const got = (await h.run([y, dgate, dup])).map(values);
      const errors = got.map((g, i) => maxDiff(g, want[i]));
      console.log(`${kind}: max |error| y ${errors[0].toExponential(2)}, dgate ${errors[1].toExponential(2)}, dup ${errors[2].toExponential(2)}`);
      errors.forEach((e) => expect(e).toBeLessThan(1e-5));
    });
  }

  it('fused AdamW: three steps equal core\'s AdamW (torch\'s formula) within 1e-6, with bf16 gradients', async () => {
    const n = 50;
    const start = rand(n);
    const grads = [rand(n), rand(n), rand(n)].map((g) => Array.from(toFloat32('bf16', fromFloat32('bf16', g))));
    const hyper = { lr: 0.01, betas: [0.9, 0.95] as const, eps: 1e-8, weightDecay: 0.1 };
    const p = Parameter.fromValues([n], start);
    p.name = 'w';
    const opt = new AdamW([p], hyper);
    const h = new KernelHarness();
    const [bp, bm, bv] = [h.input(HostTensor.f32([n], start)), h.input(HostTensor.f32([n], new Array(n).fill(0))), h.input(HostTensor.f32([n], new Array(n).fill(0)))];
    grads.forEach((g, s) => {
      p.grad = Float32Array.from(g);
      opt.step();
      const step = s + 1;
      const [b1, b2] = hyper.betas;
      const bg = h.input(new HostTensor('bf16', [n], fromFloat32('bf16', g)));
      const args = [buf(bp), buf(bg), buf(bm), buf(bv), i64(n), f32(1 - b1), f32(b2), f32(1 - b2), f32(1 - hyper.lr * hyper.weightDecay), f32(hyper.lr / (1 - b1 ** step)), f32(Math.sqrt(1 - b2 ** step)), f32(hyper.eps)];
      h.launch({ ...adamwSource('bf16'), grid: [1, 1, 1], block: [64, 1, 1], args, writes: [bp, bm, bv] });
    });
    const [got] = (await h.run([bp])).map(values);
    const error = maxDiff(got, p.value.toFloat32());
    console.log(`adamw: max |error| after 3 steps ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-6);
  });
});
