/**
 * What the caching allocator needs from a device: raw allocations by address. The CUDA driver
 * (cuMemAlloc/cuMemFree) is one; a host-backed one serves the specs (testing/).
 */
export interface DeviceMemory {
  /** Throws when the device has no room. */
  alloc(bytes: number): bigint;
  free(ptr: bigint): void;
}
