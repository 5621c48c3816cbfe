import { HostTensor } from '../host-tensor.js';
import type { MatmulNbitsAttrs } from '../ir/ops.js';
import { roundHalfEven } from '../tensor/decompositions.js';
import { Tensor } from '../tensor/tensor.js';

export interface NbitsOptions {
  readonly bits: 4 | 8;
  readonly blocksize: number;
  /** What the products that read the weight do with their activations (see `matmul_nbits`). */
  readonly activationBits?: 8 | null;
}

export interface NbitsWeight {
  /** u8 [n, blocks, blocksize·bits/8]: `matmul_nbits`' codes. */
  readonly packed: HostTensor;
  /** f32 [n·blocks]. */
  readonly scales: HostTensor;
  readonly attrs: MatmulNbitsAttrs;
}

/** The zero point 2^(bits−1) and the largest code step either side of it, 2^(bits−1) − 1. */
const levelsOf = (bits: 4 | 8) => ({ zero: 2 ** (bits - 1), levels: 2 ** (bits - 1) - 1 });

const attrsOf = (n: number, k: number, o: NbitsOptions): MatmulNbitsAttrs => ({ n, k, bits: o.bits, blocksize: o.blocksize, activationBits: o.activationBits ?? null });

/** Math.round rounds halves up; the codes round them to even, as ONNX's Round (and the traced form) do. */
const roundEven = (x: number) => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * Rounds W [n, k] (row-major f32) to symmetric `bits`-bit codes, block by block along each row:
 * code = round(w / scale) + 2^(bits−1) (ties to even), scale = the block's max |w| / (2^(bits−1) − 1),
 * so the block's largest value is exact. The layout is what the IR's `matmul_nbits` and
 * onnxruntime's MatMulNBits read; padding past k holds the zero point. The host form of
 * `quantizeNbitsTraced`, which gives the same codes.
 */
export function quantizeNbits(w: Float32Array, n: number, k: number, opts: NbitsOptions): NbitsWeight {
  const { bits, blocksize } = opts;
  if (w.length !== n * k) throw new Error(`quantizeNbits: ${w.length} values are not a [${n}, ${k}] weight`);
  const blocks = Math.ceil(k / blocksize);
  const { zero, levels } = levelsOf(bits);
  const codes = new Uint8Array(n * blocks * blocksize).fill(zero);
  const scales = new Float32Array(n * blocks);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const [from, to] = [row * k + b * blocksize, row * k + Math.min(k, (b + 1) * blocksize)];
      let absmax = 0;
      for (let i = from; i < to; i++) absmax = Math.max(absmax, Math.abs(w[i]));
      const scale = Math.fround(absmax / levels);
      const inverse = scale > 0 ? Math.fround(1 / scale) : 0;
      const out = (row * blocks + b) * blocksize - from;
      for (let i = from; i < to; i++) codes[out + i] = roundEven(Math.fround(w[i] * inverse)) + zero;
      scales[row * blocks + b] = scale;
    }
  }
  const packed = bits === 8 ? codes : Uint8Array.from({ length: codes.length / 2 }, (_, j) => codes[2 * j] | (codes[2 * j + 1] << 4));
  return { packed: new HostTensor('u8', [n, blocks, (blocksize * bits) / 8], packed), scales: HostTensor.f32([n * blocks], scales), attrs: attrsOf(n, k, opts) };
}

/**
 * `quantizeNbits` as traced ops, for an executor to run over many weights at once (a model's
 * 100M weights in one program rather than seconds of host loops): W [n, k] → packed codes and scales.
 */
export function quantizeNbitsTraced(w: Tensor, opts: NbitsOptions): { packed: Tensor; scales: Tensor; attrs: MatmulNbitsAttrs } {
  const [n, k] = w.shape;
  const { bits, blocksize } = opts;
  const blocks = Math.ceil(k / blocksize);
  const { zero, levels } = levelsOf(bits);
  const padded = blocks * blocksize > k ? w.pad([[0, 0], [0, blocks * blocksize - k]]) : w;
  const wb = padded.reshape(n, blocks, blocksize);
  const scale = wb.abs().max(-1, true).div(levels);
  const inverse = Tensor.where(scale.gt(0), Tensor.scalar(1).div(scale.maximum(1e-30)), 0);
  const codes = roundHalfEven(wb.mul(inverse)).add(zero);
  // Two 4-bit codes a byte, the first in the low nibble: c0 + 16·c1.
  const bytes = bits === 8 ? codes : codes.reshape(n, blocks, blocksize / 2, 2).mul(Tensor.fromValues([2], [1, 16])).sum(-1);
  return { packed: bytes.cast('u8'), scales: scale.reshape([n * blocks]), attrs: attrsOf(n, k, opts) };
}
