/**
 * llama.cpp's q/k row order: within each head, HF keeps the two rotated halves apart
 * ([x0..x(d/2−1), y0..]); llama.cpp interleaves them ([x0, y0, x1, y1, ...]), as
 * convert_hf_to_gguf's `permute` does. Works on weights ([rows, cols]) and biases (cols 1).
 */
export function permuteHeads(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const headDim = rows / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`cannot split ${rows} rows into ${heads} heads of even size`);
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let s = 0; s < 2; s++) {
        const from = (h * headDim + s * half + j) * cols;
        const to = (h * headDim + 2 * j + s) * cols;
        out.set(data.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/**
 * GPT-NeoX's fused qkv rows are grouped per head ([q_h, k_h, v_h] for each head h); llama.cpp's
 * gptneox splits [all q, all k, all v], as convert_hf_to_gguf regroups them.
 */
export function regroupQkv(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const headDim = rows / 3 / heads;
  if (!Number.isInteger(headDim)) throw new Error(`cannot split ${rows} qkv rows into ${heads} heads`);
  const out = new Float32Array(data.length);
  const block = headDim * cols;
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 3; s++) out.set(data.subarray((h * 3 + s) * block, (h * 3 + s + 1) * block), (s * heads + h) * block);
  }
  return out;
}

/** Part `index` of `count` equal row ranges of every matrix in a [..., rows, cols] tensor. */
export function sliceRows(data: Float32Array, shape: readonly number[], index: number, count: number): { data: Float32Array; shape: number[] } {
  const cols = shape.at(-1)!;
  const rows = shape.at(-2)!;
  const matrices = data.length / (rows * cols);
  const part = rows / count;
  if (!Number.isInteger(part)) throw new Error(`cannot split ${rows} rows in ${count}`);
  const out = new Float32Array(matrices * part * cols);
  for (let m = 0; m < matrices; m++) {
    const from = (m * rows + index * part) * cols;
    out.set(data.subarray(from, from + part * cols), m * part * cols);
  }
  return { data: out, shape: [...shape.slice(0, -2), part, cols] };
}
