/**
 * Blockwise 4-bit quantization, byte-compatible with bitsandbytes' `quantize_4bit` /
 * `dequantize_4bit` (`kQuantizeBlockwise` / `kDequantizeBlockwise` with DATA_TYPE NF4 or FP4):
 *
 * - per block of `blocksize` consecutive elements: `absmax = max |x|`, then each value is scaled by
 *   the float32 reciprocal `1 / absmax` and rounded with the kernel's decision tree;
 * - two codes per byte, the FIRST element in the HIGH nibble; an odd total length is padded with a
 *   0.0 input (the kernel's out-of-range load value), which is quantized like any other value.
 *
 * An all-zero block has absmax 0; like the kernel, `0 * (1/0)` is NaN and takes code 0, which
 * dequantizes to `level * 0 = 0`.
 */
import {
  type QuantType4Bit,
  dequantizeFp4Value,
  dequantizeNf4Value,
  quantizeFp4Value,
  quantizeNf4Value,
} from './code-tables.js';

const f32 = Math.fround;

/** Block sizes bitsandbytes accepts for 4-bit quantization. */
export const BLOCKSIZES_4BIT = [32, 64, 128, 256, 512, 1024, 2048, 4096] as const;

export interface Quantize4BitOptions {
  quantType: QuantType4Bit;
  /** Power of two in 32..4096; default 64. */
  blocksize?: number;
  /** Logical shape recorded in the result; defaults to `[values.length]`. */
  shape?: readonly number[];
}

export interface Quantized4Bit {
  /** `ceil(n / 2)` bytes; element `2k` in the high nibble of byte `k`, `2k + 1` in the low one. */
  packed: Uint8Array;
  /** One float32 scale per block: `ceil(n / blocksize)`. */
  absmax: Float32Array;
  shape: readonly number[];
  blocksize: number;
  quantType: QuantType4Bit;
}

export function assertBlocksize4Bit(blocksize: number): void {
  if (!(BLOCKSIZES_4BIT as readonly number[]).includes(blocksize)) {
    throw new Error(
      `4-bit blocksize ${blocksize} is not supported; use one of ${BLOCKSIZES_4BIT.join(', ')}`,
    );
  }
}

function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Block absmax the way the kernel reduces it (`fmaxf` of |x|, NaNs ignored). */
export function blockAbsmax(values: Float32Array, start: number, end: number): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const a = Math.abs(values[i]!);
    if (a > m) m = a;
  }
  return m;
}

export function quantize4bit(values: Float32Array, options: Quantize4BitOptions): Quantized4Bit {
  const { quantType } = options;
  const blocksize = options.blocksize ?? 64;
  assertBlocksize4Bit(blocksize);
  if (quantType !== 'nf4' && quantType !== 'fp4') {
    throw new Error(`4-bit quant type '${String(quantType)}' is not supported; use 'nf4' or 'fp4'`);
  }
  const n = values.length;
  const shape = options.shape ? [...options.shape] : [n];
  if (numelOf(shape) !== n) {
    throw new Error(`quantize4bit: shape [${shape.join(', ')}] does not hold ${n} values`);
  }
  const quantizeValue = quantType === 'nf4' ? quantizeNf4Value : quantizeFp4Value;
  const blocks = Math.ceil(n / blocksize);
  const absmax = new Float32Array(blocks);
  const packed = new Uint8Array(Math.ceil(n / 2));
  for (let b = 0; b < blocks; b++) {
    const start = b * blocksize;
    const end = Math.min(start + blocksize, n);
    const m = blockAbsmax(values, start, end);
    absmax[b] = m;
    const inv = f32(1 / m);
    // blocksize is even, so a pair never straddles two blocks.
    for (let i = start; i < end; i += 2) {
      const hi = quantizeValue(f32(values[i]! * inv));
      const lo = quantizeValue(f32((i + 1 < n ? values[i + 1]! : 0) * inv));
      packed[i >> 1] = (hi << 4) | lo;
    }
  }
  return { packed, absmax, shape, blocksize, quantType };
}

export interface Dequantize4BitInput {
  packed: Uint8Array;
  absmax: Float32Array;
  shape: readonly number[];
  blocksize: number;
  quantType: QuantType4Bit;
}

/** `kDequantizeBlockwise` for NF4/FP4: `level(code) * absmax[block]` in float32. */
export function dequantize4bit(q: Dequantize4BitInput): Float32Array {
  assertBlocksize4Bit(q.blocksize);
  const n = numelOf(q.shape);
  if (q.packed.length !== Math.ceil(n / 2)) {
    throw new Error(`dequantize4bit: ${q.packed.length} bytes cannot hold ${n} 4-bit values`);
  }
  if (q.absmax.length !== Math.ceil(n / q.blocksize)) {
    throw new Error(
      `dequantize4bit: expected ${Math.ceil(n / q.blocksize)} absmax values, got ${q.absmax.length}`,
    );
  }
  const level = q.quantType === 'nf4' ? dequantizeNf4Value : dequantizeFp4Value;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const byte = q.packed[i >> 1]!;
    const code = (i & 1) === 0 ? byte >> 4 : byte & 0x0f;
    out[i] = f32(level(code) * q.absmax[Math.floor(i / q.blocksize)]!);
  }
  return out;
}
