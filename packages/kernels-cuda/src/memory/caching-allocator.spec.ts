import { describe, expect, it } from 'vitest';
import { HostDeviceMemory } from '../testing/host-device-memory.test-support.js';
import { CachingAllocator } from './caching-allocator.js';
import { LARGE_STEP, SMALL_STEP, sizeClass } from './size-class.js';

describe('sizeClass', () => {
  it('rounds small requests to 512 bytes and large ones to 2 MiB or an eighth of their power of two', () => {
    expect(sizeClass(0)).toBe(SMALL_STEP);
    expect(sizeClass(1)).toBe(SMALL_STEP);
    expect(sizeClass(513)).toBe(1024);
    expect(sizeClass(1 << 20)).toBe(1 << 20);
    expect(sizeClass((1 << 20) + 1)).toBe(LARGE_STEP);
    expect(sizeClass(100 * 2 ** 20)).toBe(104 * 2 ** 20);
    for (const n of [3, 5000, 3_000_000, 123_456_789, 2 ** 33 + 7]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n)).toBeLessThanOrEqual(Math.max(n * 1.125, n + LARGE_STEP, SMALL_STEP));
    }
    expect(() => sizeClass(-1)).toThrow(/invalid size -1/);
  });
});

describe('CachingAllocator', () => {
  it('serves a freed block again without a device call, and only for its own size class', () => {
    const device = new HostDeviceMemory();
    const alloc = new CachingAllocator(device);
    const a = alloc.alloc(1000);
    alloc.free(a);
    expect(alloc.alloc(900)).toBe(a);
    const b = alloc.alloc(5000);
    expect(b).not.toBe(a);
    expect(device.allocCalls).toBe(2);
    expect(alloc.stats()).toMatchObject({ hits: 1, misses: 2, inUse: 1024 + 5120, cached: 0, reserved: 1024 + 5120 });
  });

  it('keeps live blocks apart: patterns written into each survive every other block being written', () => {
    const device = new HostDeviceMemory();
    const alloc = new CachingAllocator(device);
    const ptrs = [100, 700, 100, 4096, 2 ** 20 + 3].map((n) => alloc.alloc(n));
    expect(new Set(ptrs).size).toBe(ptrs.length);
    ptrs.forEach((p, i) => device.view(p).fill(i + 1));
    ptrs.forEach((p, i) => expect(device.view(p).every((v) => v === i + 1)).toBe(true));
    ptrs.forEach((p) => expect(device.view(p).byteLength).toBe(alloc.blockSize(p)));
  });

  it('tracks in-use, cached and peak bytes, and release() gives the cached blocks back to the device', () => {
    const device = new HostDeviceMemory();
    const alloc = new CachingAllocator(device);
    const [a, b] = [alloc.alloc(SMALL_STEP), alloc.alloc(2 * SMALL_STEP)];
    alloc.free(a);
    expect(alloc.stats()).toMatchObject({ inUse: 1024, cached: 512, reserved: 1536, peakInUse: 1536, peakReserved: 1536 });
    alloc.release();
    expect(alloc.stats()).toMatchObject({ inUse: 1024, cached: 0, reserved: 1024, peakReserved: 1536 });
    expect(device.usedBytes).toBe(1024);
    alloc.free(b);
    alloc.release();
    expect(device.usedBytes).toBe(0);
    expect(device.freeCalls).toBe(2);
  });

  it('refuses to free an address it did not hand out, or the same block twice', () => {
    const alloc = new CachingAllocator(new HostDeviceMemory());
    const a = alloc.alloc(10);
    alloc.free(a);
    expect(() => alloc.free(a)).toThrow(/is not a live block/);
    expect(() => alloc.free(0x1234n)).toThrow(/0x1234 is not a live block/);
  });

  it('when the device is full, gives its cache back and tries once more; when that fails too, says how much was asked and in use', () => {
    const device = new HostDeviceMemory(3 * 2 ** 20);
    const alloc = new CachingAllocator(device);
    alloc.free(alloc.alloc(2 ** 20));
    alloc.free(alloc.alloc(2 ** 19));
    expect(alloc.stats().cached).toBe(1.5 * 2 ** 20);
    // 2 MiB does not fit beside the 1.5 MiB cached: the cache goes back, and then it fits.
    const big = alloc.alloc(2 * 2 ** 20);
    expect(device.usedBytes).toBe(2 * 2 ** 20);
    expect(alloc.stats()).toMatchObject({ inUse: 2 * 2 ** 20, cached: 0, reserved: 2 * 2 ** 20 });
    expect(() => alloc.alloc(1.5 * 2 ** 20)).toThrow(/^cuda allocator: cannot allocate 1\.5 MiB \(out of memory: .*\); 2\.0 MiB in use, 2\.0 MiB at peak$/);
    alloc.free(big);
  });
});
