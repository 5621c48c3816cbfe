/**
 * ggml's quantizers compute in C `float`: every intermediate is rounded to f32. These helpers keep
 * JavaScript's f64 arithmetic on the same values, so blocks come out bit-for-bit as ggml's do.
 */
export const r32 = Math.fround;

/**
 * ggml's `nearest_int`: adds 1.5·2²³ in f32 and reads the mantissa, which rounds half to even
 * (not away from zero as `roundf` does).
 */
export const nearestInt = (x: number): number => r32(r32(x) + 12582912) - 12582912;

/** C's `roundf`: halves away from zero. */
export const roundAway = (x: number): number => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

/** C's `(int8_t)(x)` truncation for the small positive values Q4_0/Q5_0 feed it. */
export const truncInt = (x: number): number => Math.trunc(x);
