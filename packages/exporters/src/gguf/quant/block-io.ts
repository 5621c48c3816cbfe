import { f16BitsToF32, f32ToF16Bits } from '@tunekit/core';

/** Little-endian f16 fields inside a block (`GGML_FP32_TO_FP16`: round to nearest even). */
export const putF16 = (out: Uint8Array, at: number, x: number): void => {
  const h = f32ToF16Bits(x);
  out[at] = h & 0xff;
  out[at + 1] = h >>> 8;
};
export const getF16 = (src: Uint8Array, at: number): number => f16BitsToF32(src[at]! | (src[at + 1]! << 8));
