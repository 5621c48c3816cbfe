import { describe, expect, it } from 'vitest';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { HostTensor } from '../host-tensor.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { Parameter } from '../ir/parameter.js';
import { quantizeNbits, quantizeNbitsTraced } from './quantize-nbits.js';

const weight = (n: number, k: number) => Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));

describe('quantizeNbits', () => {
  it.each([
    [8, 32, 40],
    [4, 16, 40],
    [4, 32, 64],
  ] as const)('int%i in blocks of %i (K %i): W read back through matmul_nbits is within half a step of each value, the block max exact', async (bits, blocksize, k) => {
    const n = 3;
    const w = weight(n, k);
    const q = quantizeNbits(w, n, k, { bits, blocksize });
    const blocks = Math.ceil(k / blocksize);
    expect(q.packed.shape).toEqual([n, blocks, (blocksize * bits) / 8]);
    expect(q.scales.shape).toEqual([n * blocks]);
    // x = the identity reads W back: I·Wᵀ = Wᵀ.
    const eye = HostTensor.f32([k, k], Float32Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0)));
    const [wt] = await new ReferenceExecutor().compile([F.matmulNbits(Tensor.constant(eye), Tensor.constant(q.packed), Tensor.constant(q.scales), q.attrs)]).run();
    const back = wt.toFloat32();
    const scales = q.scales.toFloat32();
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < k; col++) {
        const scale = scales[row * blocks + Math.floor(col / blocksize)];
        expect(Math.abs(back[col * n + row] - w[row * k + col])).toBeLessThanOrEqual(scale / 2 + 1e-6);
      }
      for (let b = 0; b < blocks; b++) {
        const cols = Array.from({ length: Math.min(k, (b + 1) * blocksize) - b * blocksize }, (_, j) => b * blocksize + j);
        const top = cols.reduce((best, c) => (Math.abs(w[row * k + c]) > Math.abs(w[row * k + best]) ? c : best), cols[0]);
        expect(back[top * n + row]).toBeCloseTo(w[row * k + top], 5);
      }
    }
  });

  it('a block of zeros has scale 0 and reads back as zeros; a wrong size is refused', () => {
    const q = quantizeNbits(new Float32Array(2 * 16), 2, 16, { bits: 8, blocksize: 16 });
    expect(Array.from(q.scales.toFloat32())).toEqual([0, 0]);
    expect(Array.from(q.packed.data as Uint8Array).every((c) => c === 128)).toBe(true);
    expect(() => quantizeNbits(new Float32Array(5), 2, 3, { bits: 8, blocksize: 16 })).toThrow('quantizeNbits: 5 values are not a [2, 3] weight');
  });

  it.each([
    [8, 128, 200],
    [4, 32, 72],
  ] as const)('int%i in blocks of %i (K %i), traced and run on ORT: the same codes and scales as the host form, ties included', async (bits, blocksize, k) => {
    const n = 5;
    // Values on the code grid's halves make ties: each must go to the even code, as ONNX's Round does.
    const w = weight(n, k).map((v, i) => (i % 11 === 3 ? Math.round(v * 4) / 4 + 0.125 : v));
    const host = quantizeNbits(w, n, k, { bits, blocksize });
    const traced = quantizeNbitsTraced(Tensor.param(new Parameter(HostTensor.f32([n, k], w), false)), { bits, blocksize });
    const executor = new OrtExecutor();
    const [packed, scales] = await executor.compile([traced.packed, traced.scales]).run();
    await executor.dispose();
    expect(packed.shape).toEqual(host.packed.shape);
    expect(Array.from(packed.data as Uint8Array)).toEqual(Array.from(host.packed.data as Uint8Array));
    expect(Array.from(scales.toFloat32())).toEqual(Array.from(host.scales.toFloat32()));
  });
});
