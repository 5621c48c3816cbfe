import { HostTensor } from '../host-tensor.js';
import type { MatmulNbitsAttrs } from '../ir/ops.js';

export interface NbitsWeight {
  /** u8 [n, blocks, blocksize·bits/8]: `matmul_nbits`' codes. */
  readonly packed: HostTensor;
  /** f32 [n·blocks]. */
  readonly scales: HostTensor;
  readonly attrs: MatmulNbitsAttrs;
}

/**
 * Rounds W [n, k] (row-major f32) to symmetric `bits`-bit codes, block by block along each row
 * (round-to-nearest on the block's max |w| / (2^(bits−1) − 1), zero point 2^(bits−1)): the layout
 * the IR's `matmul_nbits` and onnxruntime's MatMulNBits read. Padding past k is code zero-point.
 */
export function quantizeNbits(w: Float32Array, n: number, k: number, opts: { bits: 4 | 8; blocksize: number; activationBits?: 8 | null }): NbitsWeight {
  const { bits, blocksize } = opts;
  if (w.length !== n * k) throw new Error(`quantizeNbits: ${w.length} values are not a [${n}, ${k}] weight`);
  const blocks = Math.ceil(k / blocksize);
  const [zero, top] = [2 ** (bits - 1), 2 ** bits - 1];
  const levels = zero - 1;
  const codes = new Uint8Array(blocksize);
  const blob = (blocksize * bits) / 8;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const [from, to] = [row * k + b * blocksize, row * k + Math.min(k, (b + 1) * blocksize)];
      let absmax = 0;
      for (let i = from; i < to; i++) absmax = Math.max(absmax, Math.abs(w[i]));
      const scale = absmax / levels;
      const inverse = scale > 0 ? 1 / scale : 0;
      codes.fill(zero);
      for (let i = from; i < to; i++) codes[i - from] = Math.min(top, Math.max(0, Math.round(w[i] * inverse) + zero));
      scales[row * blocks + b] = scale;
      const out = (row * blocks + b) * blob;
      if (bits === 8) packed.set(codes, out);
      else for (let j = 0; j < blob; j++) packed[out + j] = codes[2 * j] | (codes[2 * j + 1] << 4);
    }
  }
  return {
    packed: new HostTensor('u8', [n, blocks, blob], packed),
    scales: HostTensor.f32([n * blocks], scales),
    attrs: { n, k, bits, blocksize, activationBits: opts.activationBits ?? null },
  };
}
