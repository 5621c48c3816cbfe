import { type Node, type OnnxBuilder, type StoredWeight, fromFloat32, onnxAttr as attr, MS_DOMAIN } from '@tunekit/core';
import { quantizeQ4 } from './matmul-nbits.quantizer.js';

/** The exported variants: file suffix and how each stores its weights. */
export type OnnxDtype = 'fp32' | 'fp16' | 'q4';

/** File of each variant under onnx/ (transformers.js' dtype suffixes). */
export const ONNX_FILES: Readonly<Record<OnnxDtype, string>> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q4: 'model_q4.onnx' };

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A parameter's initializer: f32, or f16 (the graph casts it back to f32 and computes in f32). */
export function storedWeight(node: Node<'param'>, half: boolean): StoredWeight {
  const p = node.attrs.param;
  const f32 = () => p.value.toFloat32();
  return half ? { name: p.name, elem: 'float16', raw: () => bytesOf(fromFloat32('f16', f32())) } : { name: p.name, elem: 'float', raw: () => bytesOf(f32()) };
}

export interface Q4Options {
  readonly blockSize: number;
  /** MatMulNBits' accuracy_level: the lowest type A may be computed in (0 unset, 1 f32, 2 f16, 3 bf16, 4 int8). */
  readonly accuracyLevel: number;
  /** Zero point 8 in every block (no zero_points input) instead of one fitted per block. */
  readonly symmetric?: boolean;
  /** Weights left in f32 (MatMul), by parameter name (exportOnnx's default: the output head). */
  readonly keep?: (name: string) => boolean;
}

/** The weight W [N, K] a matmul's right side reads: a Linear's Wᵀ (permute of W) or a Conv1D's W [K, N] itself. */
function weightOf(node: Node): { param: Node<'param'>; transposed: boolean } | null {
  const b = node.inputs[1];
  if (b.rank !== 2) return null;
  if (b.op === 'param' && b.dtype === 'f32') return { param: b as Node<'param'>, transposed: true };
  const src = b.inputs[0];
  const isT = b.op === 'permute' && String((b as Node<'permute'>).attrs.perm) === '1,0';
  return isT && src.op === 'param' && src.dtype === 'f32' ? { param: src as Node<'param'>, transposed: false } : null;
}

/** [K, N] → [N, K]. */
function transpose(w: Float32Array, k: number, n: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = w[i * n + j];
  return out;
}

/**
 * Lowers x·Wᵀ with a stored weight to `MatMulNBits` (int4, asymmetric, blocks along K), the int4
 * layout ONNX Runtime, onnxruntime-genai and transformers.js run. The f32 weight is then unused
 * and left out of the model. Quantization runs as the model is written, one weight at a time.
 */
export function q4MatMul(opts: Q4Options): (b: OnnxBuilder, node: Node, x: readonly string[]) => string | null {
  return (b, node, x) => {
    if (node.op !== 'matmul' || node.inputs[0].rank < 2) return null;
    const found = weightOf(node);
    if (!found) return null;
    const p = found.param.attrs.param;
    if (opts.keep?.(p.name)) return null;
    const [n, k] = found.transposed ? [p.shape[1], p.shape[0]] : [p.shape[0], p.shape[1]];
    let cached: ReturnType<typeof quantizeQ4> | null = null;
    // Read in order (codes, scales, zero points) by the writer; the last read drops the cache.
    const take = <T>(pick: (q: ReturnType<typeof quantizeQ4>) => T, last = false): T => {
      cached ??= quantizeQ4(found.transposed ? transpose(p.value.toFloat32(), p.shape[0], p.shape[1]) : p.value.toFloat32(), n, k, opts.blockSize, { symmetric: opts.symmetric });
      const value = pick(cached);
      if (last) cached = null;
      return value;
    };
    const blocks = Math.ceil(k / opts.blockSize);
    const inputs = b.memo(`q4:${p.id}`, () => [
      b.stored(`${p.name}.q4`, 'uint8', [n, blocks, opts.blockSize / 2], () => take((q) => q.packed)),
      b.stored(`${p.name}.q4_scales`, 'float', [n * blocks], () => take((q) => bytesOf(q.scales), opts.symmetric === true)),
      // Symmetric blocks all have zero point 8, MatMulNBits' default when it is given none.
      ...(opts.symmetric ? [] : [b.stored(`${p.name}.q4_zero_points`, 'uint8', [n * Math.ceil(blocks / 2)], () => take((q) => q.zeroPoints, true))]),
    ]);
    const attrs = { K: attr.int(k), N: attr.int(n), bits: attr.int(4), block_size: attr.int(opts.blockSize), accuracy_level: attr.int(opts.accuracyLevel) };
    return b.op1('MatMulNBits', [x[0], ...inputs], attrs, MS_DOMAIN);
  };
}
