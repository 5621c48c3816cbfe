/**
 * Q4_K and Q5_K keep 8 six-bit scales and 8 six-bit mins per super-block in 12 bytes: sub-blocks
 * 0–3 in the low 6 bits of bytes 0–3 (scales) and 4–7 (mins); sub-blocks 4–7 in the nibbles of
 * bytes 8–11, with their top two bits in the spare high bits of bytes 0–7 (ggml's get_scale_min_k4).
 */
export function packScaleMin(scales: Uint8Array, j: number, ls: number, lm: number): void {
  if (j < 4) {
    scales[j] = ls;
    scales[j + 4] = lm;
  } else {
    scales[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
    scales[j - 4]! |= (ls >> 4) << 6;
    scales[j]! |= (lm >> 4) << 6;
  }
}

export function unpackScaleMin(q: Uint8Array, j: number): { sc: number; m: number } {
  if (j < 4) return { sc: q[j]! & 63, m: q[j + 4]! & 63 };
  return { sc: (q[j + 4]! & 0xf) | ((q[j - 4]! >> 6) << 4), m: (q[j + 4]! >> 4) | ((q[j]! >> 6) << 4) };
}
