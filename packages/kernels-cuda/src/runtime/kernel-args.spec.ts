import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { packKernelArgs } from './kernel-args.js';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

describe('packKernelArgs', () => {
  it("gives cuLaunchKernel one pointer per argument, each to that argument's value as the device reads it", () => {
    const address = (b: number) => 0x7f00_0000_0000n + BigInt(b) * 256n;
    const packed = packKernelArgs(
      [
        { kind: 'buffer', buffer: 3 },
        { kind: 'i32', value: -7 },
        { kind: 'f32', value: 0.5 },
        { kind: 'i64', value: -(2n ** 40n) },
        { kind: 'buffer', buffer: 0 },
      ],
      address,
    );
    expect(packed.pointers.length).toBe(5);
    // Read through the pointers themselves, as the driver does.
    const [p0, p1, p2, p3, p4] = packed.pointers;
    expect(koffi.decode(p0, 'uint64_t')).toBe(Number(address(3)));
    expect(koffi.decode(p1, 'int32_t')).toBe(-7);
    expect(koffi.decode(p2, 'float')).toBe(0.5);
    expect(koffi.decode(p3, 'int64_t')).toBe(-(2 ** 40));
    expect(koffi.decode(p4, 'uint64_t')).toBe(Number(address(0)));
    expect(packed.values.byteLength).toBe(40);
  });
});
