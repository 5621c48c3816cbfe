import type { HostTensor, Parameter } from '@tunekit/core';
import type { DeviceBackend } from '../executor/device-backend.interface.js';
import type { CachingAllocator } from './caching-allocator.js';

interface Resident {
  value: HostTensor;
  ptr: bigint;
}

/**
 * Parameters on the device, shared by every program of one executor. A frozen parameter (a base
 * weight under LoRA) is uploaded once and stays until its host tensor is replaced (`assign`).
 * A trainable one is uploaded again at each run, because the optimizer updates its host data in
 * place and nothing on the host says when; for LoRA that is the adapters, a few MiB.
 */
export class DeviceParams {
  private readonly resident = new Map<Parameter, Resident>();
  uploads = 0;

  constructor(
    private readonly device: DeviceBackend,
    private readonly allocator: CachingAllocator,
  ) {}

  /** The device address of `param`'s current value, uploading it when the device copy may be stale. */
  address(param: Parameter): bigint {
    const r = this.resident.get(param);
    if (r && r.value === param.value && !param.requiresGrad) return r.ptr;
    const bytes = param.value.byteLength;
    let ptr = r?.ptr;
    if (r === undefined || this.allocator.blockSize(r.ptr)! < bytes) {
      if (r) this.allocator.free(r.ptr);
      ptr = this.allocator.alloc(bytes);
    }
    this.device.upload(ptr!, param.value.data);
    this.uploads++;
    this.resident.set(param, { value: param.value, ptr: ptr! });
    return ptr!;
  }

  get bytes(): number {
    let n = 0;
    for (const r of this.resident.values()) n += r.value.byteLength;
    return n;
  }

  /** Gives every parameter's block back to the allocator. */
  clear(): void {
    for (const r of this.resident.values()) this.allocator.free(r.ptr);
    this.resident.clear();
  }
}
