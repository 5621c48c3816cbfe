import type { DeviceBackend } from '../executor/device-backend.interface.js';

/**
 * A device backed by host ArrayBuffers, for specs of what sits on top of DeviceBackend (the
 * allocator, the parameter store, the program's data movement): real storage at distinct
 * addresses, a capacity that runs out like a device's, and the misuse a device would punish
 * (double free, freeing an unknown address, a copy past the end of a block) thrown at once.
 */
export class HostDeviceMemory implements DeviceBackend {
  private readonly blocks = new Map<bigint, Uint8Array>();
  private next = 0x7f00_0000_0000n;
  allocCalls = 0;
  freeCalls = 0;
  uploadedBytes = 0;
  downloadedBytes = 0;

  constructor(readonly capacity = Number.MAX_SAFE_INTEGER) {}

  get usedBytes(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b.byteLength;
    return n;
  }

  alloc(bytes: number): bigint {
    this.allocCalls++;
    if (this.usedBytes + bytes > this.capacity) throw new Error(`out of memory: ${bytes} bytes asked, ${this.capacity - this.usedBytes} free`);
    const ptr = this.next;
    // Addresses as a device's: 256-byte aligned, never reused while live.
    this.next += BigInt(Math.ceil(Math.max(bytes, 1) / 256) * 256);
    this.blocks.set(ptr, new Uint8Array(bytes));
    return ptr;
  }

  free(ptr: bigint): void {
    this.freeCalls++;
    if (!this.blocks.delete(ptr)) throw new Error(`free of 0x${ptr.toString(16)}, which is not allocated`);
  }

  /** The bytes of a live block, to write patterns into and read them back. */
  view(ptr: bigint): Uint8Array {
    const block = this.blocks.get(ptr);
    if (!block) throw new Error(`0x${ptr.toString(16)} is not allocated`);
    return block;
  }

  /** `bytes` bytes from `ptr`, which may point inside a block (an arena offset); past the block's end is an error. */
  at(ptr: bigint, bytes: number): Uint8Array {
    for (const [start, block] of this.blocks) {
      const offset = Number(ptr - start);
      if (ptr >= start && offset < Math.max(block.byteLength, 1)) {
        if (offset + bytes > block.byteLength) throw new Error(`0x${ptr.toString(16)}+${bytes} runs past the end of the block at 0x${start.toString(16)} (${block.byteLength} bytes)`);
        return block.subarray(offset, offset + bytes);
      }
    }
    throw new Error(`0x${ptr.toString(16)} is in no allocated block`);
  }

  upload(dst: bigint, src: ArrayBufferView): void {
    this.at(dst, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    this.uploadedBytes += src.byteLength;
  }

  download(dst: ArrayBufferView, src: bigint): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(this.at(src, dst.byteLength));
    this.downloadedBytes += dst.byteLength;
  }

  /** Host copies complete when they return. */
  synchronize(): void {}
}
