import type { DeviceMemory } from './device-memory.interface.js';
import { sizeClass } from './size-class.js';

export interface AllocatorStats {
  /** Bytes handed out and not yet given back (by size class). */
  inUse: number;
  /** Bytes held in the bins for reuse. */
  cached: number;
  /** inUse + cached: what the device has given this allocator. */
  reserved: number;
  peakInUse: number;
  peakReserved: number;
  /** Requests served from a bin. */
  hits: number;
  /** Requests that went to the device. */
  misses: number;
}

/**
 * A caching device allocator: freed blocks go to a bin per size class and serve the next request of
 * that class without a device call (cuMemAlloc and cuMemFree synchronise the device, so a training
 * step must not make them). When the device is full, the cached blocks are given back and the
 * request is tried once more.
 */
export class CachingAllocator {
  private readonly bins = new Map<number, bigint[]>();
  /** Every live block and its size class. */
  private readonly live = new Map<bigint, number>();
  private readonly counters: AllocatorStats = { inUse: 0, cached: 0, reserved: 0, peakInUse: 0, peakReserved: 0, hits: 0, misses: 0 };

  constructor(private readonly device: DeviceMemory) {}

  alloc(bytes: number): bigint {
    const size = sizeClass(bytes);
    const reused = this.bins.get(size)?.pop();
    let ptr: bigint;
    if (reused !== undefined) {
      this.counters.hits++;
      this.counters.cached -= size;
      ptr = reused;
    } else {
      this.counters.misses++;
      ptr = this.fromDevice(size, bytes);
      this.counters.reserved += size;
    }
    this.live.set(ptr, size);
    this.counters.inUse += size;
    this.counters.peakInUse = Math.max(this.counters.peakInUse, this.counters.inUse);
    this.counters.peakReserved = Math.max(this.counters.peakReserved, this.counters.reserved);
    return ptr;
  }

  private fromDevice(size: number, requested: number): bigint {
    try {
      return this.device.alloc(size);
    } catch (first) {
      if (this.counters.cached === 0) throw this.outOfMemory(requested, first);
      this.release();
      try {
        return this.device.alloc(size);
      } catch (second) {
        throw this.outOfMemory(requested, second);
      }
    }
  }

  private outOfMemory(requested: number, cause: unknown): Error {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    return new Error(`cuda allocator: cannot allocate ${mib(requested)} (${(cause as Error).message}); ${mib(this.counters.inUse)} in use, ${mib(this.counters.peakInUse)} at peak`);
  }

  /** Returns a block to its bin; freeing an address this allocator did not hand out is a bug, so it throws. */
  free(ptr: bigint): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`cuda allocator: 0x${ptr.toString(16)} is not a live block`);
    this.live.delete(ptr);
    this.counters.inUse -= size;
    this.counters.cached += size;
    let bin = this.bins.get(size);
    if (!bin) this.bins.set(size, (bin = []));
    bin.push(ptr);
  }

  /** Gives every cached (unused) block back to the device; blocks in use stay. */
  release(): void {
    for (const [size, bin] of this.bins) {
      for (const ptr of bin) {
        this.device.free(ptr);
        this.counters.reserved -= size;
        this.counters.cached -= size;
      }
    }
    this.bins.clear();
  }

  /** The size class `alloc(bytes)` reserves: at least `bytes`. */
  blockSize(ptr: bigint): number | undefined {
    return this.live.get(ptr);
  }

  stats(): Readonly<AllocatorStats> {
    return { ...this.counters };
  }
}
