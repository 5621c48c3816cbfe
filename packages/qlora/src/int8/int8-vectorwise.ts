/**
 * Row-wise ("vector-wise") absmax int8 quantization with bitsandbytes' arithmetic, as LLM.int8()
 * stores a `Linear8bitLt` weight (bitsandbytes/backends/default/ops.py `int8_vectorwise_quant`
 * with threshold 0, and `int8_vectorwise_dequant`):
 *
 *   SCB[r]     = max_c |A[r, c]|                                        f32 [rows]
 *   CB[r, c]   = roundHalfEven(f32(A[r, c] · f32(127 / SCB[r])))         int8 [rows, cols]
 *   A'[r, c]   = f32(f32(CB[r, c] · SCB[r]) · f32(1 / 127))              f32
 *
 * Every step rounds to f32 where torch computes on f32 tensors: `127.0 / row_stats` is an f32
 * division, the product is an f32 multiply, `torch.round` rounds half to even, and the dequant
 * multiplies by the f32 constant `7.874015718698502e-3` (= f32(1/127)) rather than dividing by
 * 127, which differs from `CB · SCB / 127` in the last bit for about a quarter of values.
 *
 * A zero row has SCB 0; its scale is 127/0 = inf and 0·inf = NaN, which the CUDA kernel
 * (`__float2int_rn`) and bitsandbytes' C CPU kernel (an explicit memset) both turn into 0, so CB is
 * 0 and the row dequantizes to 0.
 *
 * The CUDA kernel computes the scale with `__fdividef` (fast, up to 2 ulp off), so a GPU can differ
 * from this in rare ties; we follow the torch-native default backend, which is exact f32.
 */
import { f16BitsToF32, f32ToF16Bits } from '@tunekit/core';

export interface Int8Quantized {
  /** int8 codes, row-major [rows, cols]. */
  CB: Int8Array;
  /** Per-row absmax (f32), one per row. */
  SCB: Float32Array;
  shape: readonly [number, number];
}

/** `7.874015718698502e-3` in bitsandbytes' dequant: f32(1/127). */
export const INT8_DEQUANT_SCALE = Math.fround(1 / 127);

/** Half-to-even rounding of an integer-or-half value range (torch.round / rint / lrintf). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends ties up; a tie (x exactly k + 0.5) whose upward result is odd goes down.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function assertShape(n: number, shape: readonly [number, number], what: string): void {
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows * cols !== n) {
    throw new Error(`${what}: shape [${shape.join(', ')}] does not hold ${n} values`);
  }
}

/** bitsandbytes `int8_vectorwise_quant(A, threshold=0.0)` on f32 values `a` [rows, cols]. */
export function int8VectorwiseQuant(a: ArrayLike<number>, shape: readonly [number, number]): Int8Quantized {
  assertShape(a.length, shape, 'int8VectorwiseQuant');
  const [rows, cols] = shape;
  const CB = new Int8Array(rows * cols);
  const SCB = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let absmax = 0;
    for (let c = 0; c < cols; c++) {
      const v = Math.fround(a[base + c]!);
      if (!Number.isFinite(v)) throw new Error(`int8VectorwiseQuant: row ${r}, column ${c} holds ${v}; int8 absmax quantization needs finite values`);
      absmax = Math.max(absmax, Math.abs(v));
    }
    SCB[r] = absmax;
    if (absmax === 0) continue; // NaN codes become 0 (see the file comment)
    const scale = Math.fround(127 / absmax);
    for (let c = 0; c < cols; c++) CB[base + c] = roundHalfEven(Math.fround(Math.fround(a[base + c]!) * scale));
  }
  return { CB, SCB, shape: [rows, cols] };
}

/** bitsandbytes `int8_vectorwise_dequant(CB, SCB)`: `CB · SCB[:, None] · f32(1/127)` in f32. */
export function int8VectorwiseDequant(q: Int8Quantized): Float32Array {
  const [rows, cols] = q.shape;
  assertShape(q.CB.length, q.shape, 'int8VectorwiseDequant');
  if (q.SCB.length !== rows) throw new Error(`int8VectorwiseDequant: ${q.SCB.length} row scales for ${rows} rows`);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = q.SCB[r]!;
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.fround(Math.fround(q.CB[r * cols + c]! * s) * INT8_DEQUANT_SCALE);
  }
  return out;
}

/**
 * `Int8Params._quantize` (bitsandbytes/nn/modules.py): the weight is first cast to float16
 * (`self.data.contiguous().to(device, dtype=torch.float16)`), whatever its dtype, then quantized
 * row-wise. So SCB is a float16 value widened to f32, and codes come from the rounded weights.
 */
export function quantizeWeightInt8(w: ArrayLike<number>, shape: readonly [number, number]): Int8Quantized {
  assertShape(w.length, shape, 'quantizeWeightInt8');
  const half = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const h = f16BitsToF32(f32ToF16Bits(w[i]!));
    if (!Number.isFinite(h)) {
      throw new Error(`quantizeWeightInt8: weight ${i} (row ${Math.floor(i / shape[1])}) is ${w[i]}, which is not finite as float16, the type bitsandbytes quantizes from`);
    }
    half[i] = h;
  }
  return int8VectorwiseQuant(half, shape);
}
