/** A weight W [N, K] in `MatMulNBits`' 4-bit layout (com.microsoft, bits 4). */
export interface Q4Weight {
  readonly n: number;
  readonly k: number;
  readonly blockSize: number;
  /** [N, ceil(K / blockSize), blockSize / 2] codes, two per byte along K, the first in the low nibble. */
  readonly packed: Uint8Array;
  /** [N · blocks] f32 scales. */
  readonly scales: Float32Array;
  /** [N · ceil(blocks / 2)] zero points, two per byte along a row's blocks, the first in the low nibble. */
  readonly zeroPoints: Uint8Array;
}

/** One block's scale and zero point from its values (count of them, at `start`). */
type BlockFit = (w: Float32Array, start: number, count: number) => { scale: number; zp: number };

/**
 * Asymmetric: the block's range widened to include 0 (so zeros stay exact), scale = (max − min) / 15,
 * zero point = round(−min / scale) in 0..15.
 */
const asymmetric: BlockFit = (w, start, count) => {
  let [lo, hi] = [0, 0];
  for (let i = 0; i < count; i++) [lo, hi] = [Math.min(lo, w[start + i]), Math.max(hi, w[start + i])];
  const scale = Math.fround((hi - lo) / 15);
  return { scale, zp: scale === 0 ? 8 : Math.min(15, Math.max(0, Math.round(-lo / scale))) };
};

/**
 * Symmetric: zero point 8, and the value of largest magnitude (with its sign) is code 0, so
 * scale = that value / −8: the other side reaches 7 steps (onnxruntime's `range2scale`).
 */
const symmetric: BlockFit = (w, start, count) => {
  let [lo, hi] = [0, 0];
  for (let i = 0; i < count; i++) [lo, hi] = [Math.min(lo, w[start + i]), Math.max(hi, w[start + i])];
  return { scale: Math.fround((Math.abs(hi) > Math.abs(lo) ? hi : lo) / -8), zp: 8 };
};

/**
 * Round-to-nearest 4-bit quantization of W [N, K] (row-major) in blocks along K, as onnxruntime's
 * block quantizer (`MlasQuantizeBlockwise`) does it: code = clamp(round(w / scale) + zp, 0, 15) and
 * w ≈ (code − zp) · scale, with the scale and zero point of each block asymmetric (the default) or
 * symmetric (zero point 8, which MatMulNBits assumes when it is given none). A K that is not a
 * multiple of the block size pads its last block with zeros.
 */
export function quantizeQ4(w: Float32Array, n: number, k: number, blockSize: number, opts: { symmetric?: boolean } = {}): Q4Weight {
  if (w.length !== n * k) throw new Error(`q4: weight has ${w.length} values, expected ${n}×${k}`);
  const fit = opts.symmetric ? symmetric : asymmetric;
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zpBytes = Math.ceil(blocks / 2);
  const zeroPoints = new Uint8Array(n * zpBytes);
  for (let row = 0; row < n; row++) {
    for (let blk = 0; blk < blocks; blk++) {
      const start = row * k + blk * blockSize;
      const count = Math.min(blockSize, k - blk * blockSize);
      const { scale, zp } = fit(w, start, count);
      // onnxruntime multiplies by the f32 reciprocal.
      const inv = scale === 0 ? 0 : Math.fround(1 / scale);
      scales[row * blocks + blk] = scale;
      zeroPoints[row * zpBytes + (blk >> 1)] |= zp << ((blk & 1) * 4);
      const out = (row * blocks + blk) * blob;
      for (let i = 0; i < blockSize; i++) {
        const v = i < count ? w[start + i] : 0;
        const code = Math.min(15, Math.max(0, Math.round(Math.fround(v * inv)) + zp));
        packed[out + (i >> 1)] |= code << ((i & 1) * 4);
      }
    }
  }
  return { n, k, blockSize, packed, scales, zeroPoints };
}

/** W [N, K] back from its codes: (code − zp) · scale. */
export function dequantizeQ4(q: Q4Weight): Float32Array {
  const { n, k, blockSize, packed, scales, zeroPoints } = q;
  const blocks = Math.ceil(k / blockSize);
  const zpBytes = Math.ceil(blocks / 2);
  const w = new Float32Array(n * k);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) {
      const blk = Math.floor(col / blockSize);
      const i = col % blockSize;
      const code = (packed[(row * blocks + blk) * (blockSize / 2) + (i >> 1)] >> ((i & 1) * 4)) & 15;
      const zp = (zeroPoints[row * zpBytes + (blk >> 1)] >> ((blk & 1) * 4)) & 15;
      w[row * k + col] = (code - zp) * scales[row * blocks + blk];
    }
  }
  return w;
}
