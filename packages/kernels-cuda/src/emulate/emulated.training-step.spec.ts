import { F, HostTensor, Parameter, ReferenceExecutor, Rng, Tensor, grad } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { emulatorUnavailable } from './emu-build.js';
import { planGraph } from '../codegen/plan-graph.js';
import { EmulatedCudaExecutor } from './emulated.executor.js';

const rng = new Rng(3);
const param = (name: string, shape: number[], lo = -0.5, hi = 0.5): Parameter => {
  const p = Parameter.fromValues(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.uniform()));
  p.name = name;
  return p;
};

const [T, HIDDEN, HQ, HKV, HD, VOCAB, MLP] = [6, 16, 4, 2, 4, 20, 24];

/** A one-layer Llama-style decoder (tied embeddings, GQA, RoPE, SwiGLU) and its loss: the shape of a real training step, tiny. */
function trainingStep(): { outputs: Tensor[]; feeds: Record<string, HostTensor> } {
  const P = {
    embed: param('embed', [VOCAB, HIDDEN]),
    n1: param('n1', [HIDDEN], 0.8, 1.2),
    wq: param('wq', [HQ * HD, HIDDEN]),
    wk: param('wk', [HKV * HD, HIDDEN]),
    wv: param('wv', [HKV * HD, HIDDEN]),
    wo: param('wo', [HIDDEN, HQ * HD]),
    n2: param('n2', [HIDDEN], 0.8, 1.2),
    wg: param('wg', [MLP, HIDDEN]),
    wu: param('wu', [MLP, HIDDEN]),
    wd: param('wd', [HIDDEN, MLP]),
    n3: param('n3', [HIDDEN], 0.8, 1.2),
  };
  const t = Object.fromEntries(Object.entries(P).map(([k, p]) => [k, Tensor.param(p)])) as Record<keyof typeof P, Tensor>;
  const ids = Tensor.input('ids', [1, T], 'i64');
  const labels = Tensor.input('labels', [T], 'i64');
  const angles = Array.from({ length: T * HD }, (_, i) => Math.floor(i / HD) * 10000 ** (-((i % (HD / 2)) * 2) / HD));
  const cos = Tensor.constant(HostTensor.f32([1, 1, T, HD], angles.map(Math.cos)));
  const sin = Tensor.constant(HostTensor.f32([1, 1, T, HD], angles.map(Math.sin)));
  const heads = (x: Tensor, n: number) => x.reshape(1, T, n, HD).permute(0, 2, 1, 3);

  const x = t.embed.gather(0, ids);
  const h = F.rmsNorm(x, t.n1, 1e-5);
  const q = F.rotary(heads(F.linear(h, t.wq), HQ), cos, sin);
  const k = F.rotary(heads(F.linear(h, t.wk), HKV), cos, sin);
  const v = heads(F.linear(h, t.wv), HKV);
  const attn = F.attention(q, k, v).permute(0, 2, 1, 3).reshape(1, T, HQ * HD);
  const r = x.add(F.linear(attn, t.wo));
  const h2 = F.rmsNorm(r, t.n2, 1e-5);
  const r2 = r.add(F.linear(F.linear(h2, t.wg).silu().mul(F.linear(h2, t.wu)), t.wd));
  const logits = F.linear(F.rmsNorm(r2, t.n3, 1e-5), t.embed).reshape(T, VOCAB);
  const loss = F.crossEntropy(logits, labels);
  const feeds = { ids: HostTensor.i64([1, T], [3, 7, 7, 0, 19, 4]), labels: HostTensor.i64([T], [7, 7, 0, 19, 4, -100]) };
  return { outputs: [loss, ...grad(loss, Object.values(P))], feeds };
}

const missing = emulatorUnavailable();
describe.skipIf(missing !== null)(`a training step planned for CUDA, on the g++ emulator${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('loss and every parameter gradient of a one-layer decoder match the reference executor within 1e-5', async () => {
    const { outputs, feeds } = trainingStep();
    const want = await new ReferenceExecutor().compile(outputs).run(feeds);
    const got = await new EmulatedCudaExecutor().compile(outputs).run(feeds);
    let worst = 0;
    got.forEach((g, i) => {
      expect(g.shape).toEqual(want[i].shape);
      const [a, b] = [g.toFloat32(), want[i].toFloat32()];
      const scale = Math.max(...Array.from(b, Math.abs), 1e-3);
      const err = Array.from(a).reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0) / scale;
      worst = Math.max(worst, err);
    });
    const plan = planGraph(outputs);
    const kinds = plan.steps.map((s) => (s.kind === 'gemm' ? 'gemm' : s.entry.startsWith('tk_') ? s.entry.replace(/_(f32|bf16|f16)$/, '') : 'generated'));
    const counts = Object.entries(kinds.reduce<Record<string, number>>((c, k) => ({ ...c, [k]: (c[k] ?? 0) + 1 }), {}));
    console.log(`plan: ${plan.steps.length} steps (${counts.map(([k, n]) => `${n} ${k}`).join(', ')}), ${plan.buffers.length} buffers`);
    console.log(`loss ${want[0].toFloat32()[0].toFixed(6)} (emulated ${got[0].toFloat32()[0].toFixed(6)}), worst gradient error relative to its largest value ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });
});
