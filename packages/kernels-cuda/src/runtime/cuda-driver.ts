import type { LibraryHandle } from 'koffi';
import { bind, slot32, slot64 } from './ffi.js';

/**
 * The driver API calls the executor makes. Opaque handles (CUcontext, CUmodule, CUfunction,
 * CUstream) are `void *` (BigInt addresses); CUdeviceptr is a 64-bit integer. The `_v2` symbols are
 * what cuda.h's macros select since CUDA 4 (64-bit sizes and pointers).
 */
const PROTOTYPES = {
  init: 'int cuInit(unsigned int flags)',
  driverGetVersion: 'int cuDriverGetVersion(int *version)',
  deviceGetCount: 'int cuDeviceGetCount(int *count)',
  deviceGet: 'int cuDeviceGet(int *device, int ordinal)',
  deviceGetAttribute: 'int cuDeviceGetAttribute(int *value, int attribute, int device)',
  deviceGetName: 'int cuDeviceGetName(char *name, int length, int device)',
  primaryCtxRetain: 'int cuDevicePrimaryCtxRetain(void *context, int device)',
  primaryCtxRelease: 'int cuDevicePrimaryCtxRelease_v2(int device)',
  ctxSetCurrent: 'int cuCtxSetCurrent(void *context)',
  memGetInfo: 'int cuMemGetInfo_v2(uint64_t *free, uint64_t *total)',
  memAlloc: 'int cuMemAlloc_v2(uint64_t *dptr, size_t bytes)',
  memFree: 'int cuMemFree_v2(uint64_t dptr)',
  memsetD8Async: 'int cuMemsetD8Async(uint64_t dptr, uint8_t value, size_t count, void *stream)',
  memcpyHtoDAsync: 'int cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes, void *stream)',
  memcpyDtoHAsync: 'int cuMemcpyDtoHAsync_v2(void *dst, uint64_t src, size_t bytes, void *stream)',
  memcpyDtoDAsync: 'int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, void *stream)',
  streamCreate: 'int cuStreamCreate(void *stream, unsigned int flags)',
  streamDestroy: 'int cuStreamDestroy_v2(void *stream)',
  streamSynchronize: 'int cuStreamSynchronize(void *stream)',
  moduleLoadData: 'int cuModuleLoadData(void *module, const void *image)',
  moduleUnload: 'int cuModuleUnload(void *module)',
  moduleGetFunction: 'int cuModuleGetFunction(void *fn, void *module, const char *name)',
  funcSetAttribute: 'int cuFuncSetAttribute(void *fn, int attribute, int value)',
  launchKernel:
    'int cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int sharedBytes, void *stream, void *params, void *extra)',
  getErrorName: 'int cuGetErrorName(int error, _Out_ const char **name)',
  getErrorString: 'int cuGetErrorString(int error, _Out_ const char **text)',
} as const;

/** CUdevice_attribute values from cuda.h. */
const ATTRIBUTE = { computeCapabilityMajor: 75, computeCapabilityMinor: 76, maxSharedPerBlockOptin: 97 } as const;
/** CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: needed before a launch asks for more than 48 KiB of shared memory. */
const FUNC_MAX_DYNAMIC_SHARED = 8;
const DEFAULT_SHARED_LIMIT = 48 * 1024;
/** CU_STREAM_NON_BLOCKING: no implicit synchronisation with the legacy default stream. */
const STREAM_NON_BLOCKING = 1;

export interface LaunchConfig {
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  readonly sharedBytes: number;
}

/** A CUDA driver error: the call, the code's name and its text, e.g. `cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)`. */
export class CudaError extends Error {
  override readonly name = 'CudaError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** The driver API for one device: its primary context and one non-blocking stream that every call orders on. */
export class CudaDriver {
  private readonly fn;
  readonly device: number;
  readonly context: bigint;
  readonly stream: bigint;
  readonly name: string;
  /** `sm_90` for an H200: NVRTC's target and part of the cubin cache key. */
  readonly arch: string;

  constructor(
    lib: LibraryHandle,
    readonly path: string,
    ordinal = 0,
  ) {
    this.fn = bind(lib, PROTOTYPES);
    this.check('cuInit', this.fn.init(0));
    const count = slot32();
    this.check('cuDeviceGetCount', this.fn.deviceGetCount(count));
    if (ordinal >= count[0]) throw new CudaError(`${path}: device ${ordinal} requested but the driver sees ${count[0]}`, 101);
    const device = slot32();
    this.check('cuDeviceGet', this.fn.deviceGet(device, ordinal));
    this.device = device[0];
    const name = Buffer.alloc(256);
    this.check('cuDeviceGetName', this.fn.deviceGetName(name, name.length, this.device));
    this.name = name.toString('latin1', 0, name.indexOf(0));
    this.arch = `sm_${this.attribute(ATTRIBUTE.computeCapabilityMajor)}${this.attribute(ATTRIBUTE.computeCapabilityMinor)}`;
    const context = slot64();
    this.check('cuDevicePrimaryCtxRetain', this.fn.primaryCtxRetain(context, this.device));
    this.context = context[0];
    this.check('cuCtxSetCurrent', this.fn.ctxSetCurrent(this.context));
    const stream = slot64();
    this.check('cuStreamCreate', this.fn.streamCreate(stream, STREAM_NON_BLOCKING));
    this.stream = stream[0];
  }

  private attribute(attribute: number): number {
    const value = slot32();
    this.check('cuDeviceGetAttribute', this.fn.deviceGetAttribute(value, attribute, this.device));
    return value[0];
  }

  /** Throws a CudaError naming `call` and the driver's own name and text for `code`. */
  check(call: string, code: number): void {
    if (code === 0) return;
    const name: (string | null)[] = [null];
    const text: (string | null)[] = [null];
    this.fn.getErrorName(code, name);
    this.fn.getErrorString(code, text);
    throw new CudaError(`${call}: ${name[0] ?? `CUresult ${code}`} (${text[0] ?? 'unknown error'})`, code);
  }

  memInfo(): { free: number; total: number } {
    const [free, total] = [new BigUint64Array(1), new BigUint64Array(1)];
    this.check('cuMemGetInfo', this.fn.memGetInfo(free, total));
    return { free: Number(free[0]), total: Number(total[0]) };
  }

  alloc(bytes: number): bigint {
    const ptr = slot64();
    this.check(`cuMemAlloc(${bytes} bytes)`, this.fn.memAlloc(ptr, bytes));
    return ptr[0];
  }

  free(ptr: bigint): void {
    this.check('cuMemFree', this.fn.memFree(ptr));
  }

  zero(ptr: bigint, bytes: number): void {
    this.check('cuMemsetD8Async', this.fn.memsetD8Async(ptr, 0, bytes, this.stream));
  }

  /**
   * Host → device on the stream. From pageable memory the driver has staged the bytes when the call
   * returns, so the host array may change afterwards.
   */
  upload(dst: bigint, src: ArrayBufferView): void {
    this.check('cuMemcpyHtoDAsync', this.fn.memcpyHtoDAsync(dst, src, src.byteLength, this.stream));
  }

  /** Device → host on the stream; into pageable memory the call returns when the bytes are there. */
  download(dst: ArrayBufferView, src: bigint): void {
    this.check('cuMemcpyDtoHAsync', this.fn.memcpyDtoHAsync(dst, src, dst.byteLength, this.stream));
  }

  copy(dst: bigint, src: bigint, bytes: number): void {
    this.check('cuMemcpyDtoDAsync', this.fn.memcpyDtoDAsync(dst, src, bytes, this.stream));
  }

  synchronize(): void {
    this.check('cuStreamSynchronize', this.fn.streamSynchronize(this.stream));
  }

  loadModule(image: Uint8Array): bigint {
    const module = slot64();
    this.check('cuModuleLoadData', this.fn.moduleLoadData(module, image));
    return module[0];
  }

  unloadModule(module: bigint): void {
    this.check('cuModuleUnload', this.fn.moduleUnload(module));
  }

  getFunction(module: bigint, entry: string, sharedBytes: number): bigint {
    const fn = slot64();
    this.check(`cuModuleGetFunction(${entry})`, this.fn.moduleGetFunction(fn, module, entry));
    if (sharedBytes > DEFAULT_SHARED_LIMIT) this.check(`cuFuncSetAttribute(${entry})`, this.fn.funcSetAttribute(fn[0], FUNC_MAX_DYNAMIC_SHARED, sharedBytes));
    return fn[0];
  }

  /** Launches on the stream; `params` is the address array cuLaunchKernel reads (see kernel-args.ts). */
  launch(fn: bigint, config: LaunchConfig, params: BigUint64Array, label: string): void {
    const [gx, gy, gz] = config.grid;
    const [bx, by, bz] = config.block;
    this.check(`cuLaunchKernel(${label})`, this.fn.launchKernel(fn, gx, gy, gz, bx, by, bz, config.sharedBytes, this.stream, params, null));
  }

  dispose(): void {
    this.check('cuStreamDestroy', this.fn.streamDestroy(this.stream));
    this.check('cuDevicePrimaryCtxRelease', this.fn.primaryCtxRelease(this.device));
  }
}
