import { F, HostTensor, Parameter, ReferenceExecutor, Rng, Tensor, fromFloat32, grad, toFloat32 } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { emulatorUnavailable } from '../emulate/emu-build.js';
import { KernelHarness, buf, f32, i32, i64 } from '../emulate/kernel-harness.test-support.js';
import { ATTN_BC, ATTN_BR, attentionBwdDeltaSource, attentionBwdDkvSource, attentionBwdDqSource, attentionFwdSource } from './attention.kernel.js';
import type { KernelDType } from './kernel-source.js';

const rng = new Rng(7);
const rand = (n: number): number[] => Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

interface Case {
  name: string;
  /** B, Hq, Hkv, T, S, D. */
  dims: [number, number, number, number, number, number];
  scale: number;
  softcap: number | null;
  window: number;
  /** Padding mask [B, 1, 1, S]: batch 1 hides its first six keys, so its first query (which sees keys ≤ 2) has no visible key. */
  padded: boolean;
}

const CASES: Case[] = [
  { name: 'causal GQA, cached keys (T < S)', dims: [2, 4, 2, 5, 7, 8], scale: 0.35, softcap: null, window: 0, padded: false },
  { name: 'padding mask with an all-masked row, soft cap', dims: [2, 4, 2, 5, 7, 8], scale: 0.5, softcap: 1.5, window: 0, padded: true },
  { name: 'sliding window of 3 and padding', dims: [2, 4, 2, 5, 7, 8], scale: 0.35, softcap: null, window: 3, padded: true },
  { name: 'several query and key tiles (T 40, S 70), window 20', dims: [1, 2, 1, 40, 70, 4], scale: 0.5, softcap: null, window: 20, padded: false },
];

const padMask = ([B, , , , S]: Case['dims']): number[] => Array.from({ length: B * S }, (_, i) => (Math.floor(i / S) === 1 && i % S < 6 ? 0 : 1));

/** The same visibility as the kernel's (causal, window, padding) as one bool mask [B, 1, T, S] for the reference. */
function combinedMask(c: Case): HostTensor {
  const [B, , , T, S] = c.dims;
  const pad = padMask(c.dims);
  const data = new Uint8Array(B * T * S);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let s = 0; s < S; s++) {
        const last = t + S - T;
        const ok = (!c.padded || pad[b * S + s] === 1) && (c.window === 0 || s > last - c.window);
        data[(b * T + t) * S + s] = ok ? 1 : 0;
      }
  return new HostTensor('bool', [B, 1, T, S], data);
}

/** out, dq, dk, dv from the reference executor (core's decomposition and gradient rule), for dL/dout = gw. */
async function reference(c: Case, q: number[], k: number[], v: number[], gw: number[]): Promise<number[][]> {
  const [B, HQ, HKV, T, S, D] = c.dims;
  const [pq, pk, pv] = [Parameter.fromValues([B, HQ, T, D], q), Parameter.fromValues([B, HKV, S, D], k), Parameter.fromValues([B, HKV, S, D], v)];
  const mask = c.padded || c.window ? Tensor.constant(combinedMask(c)) : undefined;
  const out = F.attention(Tensor.param(pq), Tensor.param(pk), Tensor.param(pv), { mask, scale: c.scale, softcap: c.softcap ?? undefined });
  const loss = out.mul(Tensor.constant(HostTensor.f32([B, HQ, T, D], gw))).sum();
  const results = await new ReferenceExecutor().compile([out, ...grad(loss, [pq, pk, pv])]).run();
  return results.map((r) => Array.from(r.toFloat32()));
}

/** The four kernels on the emulator: forward (o, lse), delta, dq, dk/dv. */
async function kernels(c: Case, dtype: KernelDType, q: number[], k: number[], v: number[], gw: number[]): Promise<number[][]> {
  const [B, HQ, HKV, T, S, D] = c.dims;
  const h = new KernelHarness();
  const t = (shape: number[], x: number[]) => h.input(new HostTensor(dtype, shape, fromFloat32(dtype, x)));
  const [bq, bk, bv, bg] = [t([B, HQ, T, D], q), t([B, HKV, S, D], k), t([B, HKV, S, D], v), t([B, HQ, T, D], gw)];
  const mask = c.padded ? buf(h.input(new HostTensor('bool', [B, 1, 1, S], Uint8Array.from(padMask(c.dims))))) : i64(0);
  const common = [buf(bq), buf(bk), buf(bv), mask, i32(B), i32(HQ), i32(HKV), i32(T), i32(S), f32(c.scale), f32(c.softcap ?? 0), i32(1), i32(c.window), ...[c.padded ? S : 0, 0, 0, 1].map(i64)];
  const [o, lse, delta, dq, dk, dv] = [h.temp(dtype, [B, HQ, T, D]), h.temp('f32', [B, HQ, T]), h.temp('f32', [B, HQ, T]), h.temp(dtype, [B, HQ, T, D]), h.temp(dtype, [B, HKV, S, D]), h.temp(dtype, [B, HKV, S, D])];
  const qGrid: [number, number, number] = [Math.ceil(T / ATTN_BR), HQ, B];
  h.launch({ ...attentionFwdSource(dtype, D), grid: qGrid, block: [ATTN_BR, 1, 1], args: [...common, buf(o), buf(lse)], writes: [o, lse] })
    .launch({ ...attentionBwdDeltaSource(dtype, D), grid: [1, 1, 1], block: [64, 1, 1], args: [buf(o), buf(bg), buf(delta), i64(B * HQ * T)], writes: [delta] })
    .launch({ ...attentionBwdDqSource(dtype, D), grid: qGrid, block: [ATTN_BR, 1, 1], args: [...common, buf(bg), buf(lse), buf(delta), buf(dq)], writes: [dq] })
    .launch({ ...attentionBwdDkvSource(dtype, D), grid: [Math.ceil(S / ATTN_BC), HKV, B], block: [ATTN_BC, 1, 1], args: [...common, buf(bg), buf(lse), buf(delta), buf(dk), buf(dv)], writes: [dk, dv] });
  const results = await h.run([o, dq, dk, dv]);
  return results.map((r) => Array.from(toFloat32(r.dtype, r.data)));
}

function inputs({ dims: [B, HQ, HKV, T, S, D] }: Case): number[][] {
  return [rand(B * HQ * T * D), rand(B * HKV * S * D), rand(B * HKV * S * D), rand(B * HQ * T * D)];
}

const missing = emulatorUnavailable();
describe.skipIf(missing !== null)(`flash attention kernels on the g++ emulator${missing ? ` (skipped: ${missing})` : ''}`, () => {
  for (const c of CASES) {
    it(`${c.name}: forward and dq/dk/dv match the reference executor within 2e-5 (f32)`, async () => {
      const [q, k, v, gw] = inputs(c);
      const want = await reference(c, q, k, v, gw);
      const got = await kernels(c, 'f32', q, k, v, gw);
      const errors = got.map((g, i) => maxDiff(g, want[i]));
      console.log(`${c.name}: max |error| out ${errors[0].toExponential(2)}, dq ${errors[1].toExponential(2)}, dk ${errors[2].toExponential(2)}, dv ${errors[3].toExponential(2)}`);
      errors.forEach((e) => expect(e).toBeLessThan(2e-5));
    });
  }

  it('bf16 storage with f32 accumulation: within bf16 rounding (2e-2) of the f32 reference on the same rounded inputs', async () => {
    const c = CASES[1];
    const round = (x: number[]) => Array.from(toFloat32('bf16', fromFloat32('bf16', x)));
    const [q, k, v, gw] = inputs(c).map(round);
    const want = await reference(c, q, k, v, gw);
    const got = await kernels(c, 'bf16', q, k, v, gw);
    const errors = got.map((g, i) => maxDiff(g, want[i]));
    console.log(`bf16: max |error| out ${errors[0].toExponential(2)}, dq ${errors[1].toExponential(2)}, dk ${errors[2].toExponential(2)}, dv ${errors[3].toExponential(2)}`);
    errors.forEach((e) => expect(e).toBeLessThan(2e-2));
  });
});
