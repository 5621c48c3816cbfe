/** Requests up to this size come from the small bins, rounded to SMALL_STEP. */
export const SMALL_LIMIT = 1 << 20;
/** cudaMalloc's own alignment, and what vectorised loads and cuBLASLt want. */
export const SMALL_STEP = 512;
/** Large requests round to at least this, and to an eighth of their power of two above it (≤ 12.5% waste). */
export const LARGE_STEP = 2 << 20;

const roundUp = (n: number, step: number): number => Math.ceil(n / step) * step;

/**
 * The size class a request is served from: the bin key, and the size actually allocated. Rounding
 * makes blocks of nearby sizes interchangeable, so a block freed by one run serves the next.
 */
export function sizeClass(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`cuda allocator: invalid size ${bytes}`);
  if (bytes <= SMALL_LIMIT) return roundUp(Math.max(bytes, 1), SMALL_STEP);
  const eighth = 2 ** Math.floor(Math.log2(bytes)) / 8;
  return roundUp(bytes, Math.max(LARGE_STEP, eighth));
}
