/**
 * Double quantization of the 4-bit absmax scales (bitsandbytes `quantize_4bit(...,
 * compress_statistics=True)`): `offset = mean(absmax)`, `absmax - offset` is quantized blockwise
 * (blocksize 256) to 8 bits with the signed dynamic map (`quantize_blockwise` → `dQuantize<0>`),
 * keeping one float32 `nested_absmax` per 256 scales. The inverse (`dequantize_blockwise` then
 * `+= offset`) is `code[q] * nested_absmax + offset` in float32.
 *
 * The mean is accumulated in float64 and rounded to float32 once; torch's float32 reduction order
 * may differ from that in the last bit of `offset`.
 */
import { DYNAMIC_MAP_SIGNED, quantizeToMap } from './code-tables.js';
import { blockAbsmax } from './blockwise.js';

const f32 = Math.fround;

export const DOUBLE_QUANT_BLOCKSIZE = 256;

export interface DoubleQuantized {
  /** One 8-bit code per absmax value. */
  quantAbsmax: Uint8Array;
  /** One float32 scale per `nestedBlocksize` absmax values. */
  nestedAbsmax: Float32Array;
  /** float32 mean subtracted before quantizing. */
  offset: number;
  /** The 256-entry map the codes index (bitsandbytes' `state2.code`). */
  nestedQuantMap: Float32Array;
  nestedBlocksize: number;
}

export function doubleQuantize(
  absmax: Float32Array,
  options: { blocksize?: number; quantMap?: Float32Array } = {},
): DoubleQuantized {
  const blocksize = options.blocksize ?? DOUBLE_QUANT_BLOCKSIZE;
  const map = options.quantMap ?? DYNAMIC_MAP_SIGNED;
  if (map.length !== 256) throw new Error(`doubleQuantize: quant map must have 256 entries, got ${map.length}`);
  if (!Number.isInteger(blocksize) || blocksize <= 0) {
    throw new Error(`doubleQuantize: blocksize must be a positive integer, got ${blocksize}`);
  }
  const n = absmax.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += absmax[i]!;
  const offset = n === 0 ? 0 : f32(sum / n);
  const centered = new Float32Array(n);
  for (let i = 0; i < n; i++) centered[i] = f32(absmax[i]! - offset);

  const blocks = Math.ceil(n / blocksize);
  const nestedAbsmax = new Float32Array(blocks);
  const quantAbsmax = new Uint8Array(n);
  for (let b = 0; b < blocks; b++) {
    const start = b * blocksize;
    const end = Math.min(start + blocksize, n);
    const m = blockAbsmax(centered, start, end);
    nestedAbsmax[b] = m;
    const inv = f32(1 / m);
    for (let i = start; i < end; i++) quantAbsmax[i] = quantizeToMap(map, f32(centered[i]! * inv));
  }
  return { quantAbsmax, nestedAbsmax, offset, nestedQuantMap: map, nestedBlocksize: blocksize };
}

export function doubleDequantize(q: DoubleQuantized): Float32Array {
  const n = q.quantAbsmax.length;
  if (q.nestedAbsmax.length !== Math.ceil(n / q.nestedBlocksize)) {
    throw new Error(
      `doubleDequantize: expected ${Math.ceil(n / q.nestedBlocksize)} nested absmax values, got ${q.nestedAbsmax.length}`,
    );
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const scale = q.nestedAbsmax[Math.floor(i / q.nestedBlocksize)]!;
    out[i] = f32(f32(q.nestedQuantMap[q.quantAbsmax[i]!]! * scale) + q.offset);
  }
  return out;
}
