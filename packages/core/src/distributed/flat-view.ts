/** A typed array's bytes (no copy). */
export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Several buffers laid end to end as one virtual byte vector, so a collective can cut it into
 * chunks of a fixed size across buffer boundaries without first copying everything into one array.
 */
export class FlatView {
  /** Start of each buffer in the virtual vector; the last entry is the total. */
  readonly offsets: readonly number[];

  constructor(readonly sizes: readonly number[]) {
    const offsets = [0];
    for (const s of sizes) offsets.push(offsets[offsets.length - 1] + s);
    this.offsets = offsets;
  }

  get total(): number {
    return this.offsets[this.offsets.length - 1];
  }

  /** Copies bytes [from, to) of the virtual vector over `segments` into `dest` at `at`. */
  read(segments: readonly Uint8Array[], from: number, to: number, dest: Uint8Array, at = 0): void {
    this.each(from, to, (k, start, end, out) => dest.set(segments[k].subarray(start, end), at + out));
  }

  /** Copies `src` (from `at`) over bytes [from, to) of the virtual vector over `segments`. */
  write(segments: readonly Uint8Array[], from: number, to: number, src: Uint8Array, at = 0): void {
    this.each(from, to, (k, start, end, out) => segments[k].set(src.subarray(at + out, at + out + end - start), start));
  }

  /** Calls `fn(buffer, startInBuffer, endInBuffer, offsetFromFrom)` for each buffer overlapping [from, to). */
  private each(from: number, to: number, fn: (k: number, start: number, end: number, out: number) => void): void {
    if (from < 0 || to > this.total || from > to) throw new Error(`FlatView: range [${from}, ${to}) outside [0, ${this.total})`);
    let k = upperBound(this.offsets, from) - 1;
    for (; k < this.sizes.length && this.offsets[k] < to; k++) {
      const start = Math.max(from, this.offsets[k]);
      const end = Math.min(to, this.offsets[k + 1]);
      if (end > start) fn(k, start - this.offsets[k], end - this.offsets[k], start - from);
    }
  }
}

/** First index whose value is greater than `x` in an ascending array. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Splits items of the given sizes into `parts` contiguous runs of nearly equal total size (ZeRO's
 * owner of each parameter): run r ends at the item boundary nearest to (r + 1) / parts of the total.
 * Returns the first item of each run plus the item count at the end.
 */
export function partitionContiguous(sizes: readonly number[], parts: number): number[] {
  const view = new FlatView(sizes);
  const bounds = [0];
  for (let r = 1; r < parts; r++) {
    const target = (view.total * r) / parts;
    let k = bounds[r - 1];
    while (k < sizes.length && Math.abs(view.offsets[k + 1] - target) <= Math.abs(view.offsets[k] - target)) k++;
    bounds.push(k);
  }
  bounds.push(sizes.length);
  return bounds;
}
