import { F, HostTensor, ReferenceExecutor, Rng, Tensor, fromFloat32 } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { emulatorUnavailable } from './emu-build.js';
import { EmulatedCudaExecutor } from './emulated.executor.js';

const rng = new Rng(5);
const bf16 = (shape: number[], lo = -1, hi = 1): HostTensor =>
  new HostTensor('bf16', shape, fromFloat32('bf16', Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.uniform())));

const missing = emulatorUnavailable();
describe.skipIf(missing !== null)(`bf16 graphs planned for CUDA, on the g++ emulator${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('a bf16 block (RMSNorm, linear, fused SwiGLU chain, softmax, reductions, casts) stays within bf16 rounding of the reference', async () => {
    const x = Tensor.input('x', [2, 3, 16], 'bf16');
    const w = Tensor.input('w', [16], 'bf16');
    const wg = Tensor.input('wg', [24, 16], 'bf16');
    const wu = Tensor.input('wu', [24, 16], 'bf16');
    const h = F.rmsNorm(x, w, 1e-5);
    const mlp = F.linear(h, wg).silu().mul(F.linear(h, wu));
    const outputs = [mlp, mlp.softmax(-1), mlp.cast('f32').logsumexp(-1), mlp.sum([0, 1]), h.mean(-1, true).cast('f32')];
    const feeds = { x: bf16([2, 3, 16], -2, 2), w: bf16([16], 0.5, 1.5), wg: bf16([24, 16], -0.5, 0.5), wu: bf16([24, 16], -0.5, 0.5) };
    const want = await new ReferenceExecutor().compile(outputs).run(feeds);
    const got = await new EmulatedCudaExecutor().compile(outputs).run(feeds);
    const errors = got.map((g, i) => {
      expect(g.dtype).toBe(want[i].dtype);
      const [a, b] = [g.toFloat32(), want[i].toFloat32()];
      // Relative to each output's scale: bf16 keeps 8 bits, and the reference rounds after every primitive of a composite.
      const scale = Math.max(...Array.from(b, Math.abs));
      return Array.from(a).reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0) / scale;
    });
    console.log(`bf16 block: errors relative to each output's largest value ${errors.map((e) => e.toExponential(2)).join(', ')}`);
    errors.forEach((e) => expect(e).toBeLessThan(2e-2));
  });
});
