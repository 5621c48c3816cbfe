/**
 * bitsandbytes' 4-bit code tables as float32 values, written out independently of the qlora
 * package, for checking that onnxruntime's fused MatMulBnb4 reads codes exactly as the IR does.
 */
export const BNB_NF4_LEVELS: readonly number[] = Array.from(Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]));

/** FP4 (E2M1, bias 3, sign in bit 3) over 12: 0, 1/192, 2/3, 1, 1/3, 1/2, 1/6, 1/4 and their negatives. */
export const BNB_FP4_LEVELS: readonly number[] = Array.from(
  Float32Array.from([0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3], (v) => Math.fround(v / 12)),
);

/** Every byte value once, in a scrambled order, so both nibbles take all 16 codes. */
export const ALL_BYTES: readonly number[] = Array.from({ length: 256 }, (_, i) => (i * 167 + 13) & 255);
