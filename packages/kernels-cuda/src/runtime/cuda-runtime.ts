import { type CudaLibraries, CudaUnavailableError, openCudaLibraries } from './cuda-libraries.js';
import { CublasLt, GEMM_WORKSPACE_BYTES } from './cublaslt.js';
import { CubinCache } from './cubin-cache.js';
import { CudaDriver } from './cuda-driver.js';
import type { SearchContext } from './library-search.js';
import { Nvrtc } from './nvrtc.js';

export interface CudaRuntimeOptions {
  /** The GPU to use (its ordinal); 0 by default. */
  readonly device?: number;
  readonly search?: SearchContext;
  readonly cache?: CubinCache;
}

/** The three libraries opened on one device: the driver (with its context and stream), NVRTC, cuBLASLt, and the cubin cache. */
export class CudaRuntime {
  private constructor(
    readonly driver: CudaDriver,
    readonly nvrtc: Nvrtc,
    readonly cublasLt: CublasLt,
    readonly cache: CubinCache,
    private readonly workspace: bigint,
  ) {}

  /**
   * Opens CUDA or throws one CudaUnavailableError line: the libraries that are missing and where
   * they were looked for, or what the driver said when it could not start (no GPU, a driver too old).
   */
  static open(options: CudaRuntimeOptions = {}): CudaRuntime {
    const libs: CudaLibraries = openCudaLibraries(options.search);
    let driver: CudaDriver;
    try {
      driver = new CudaDriver(libs.driver.lib, libs.driver.path, options.device ?? 0);
    } catch (e) {
      throw new CudaUnavailableError(`executor cuda: the CUDA driver (${libs.driver.path}) cannot start: ${(e as Error).message}`);
    }
    const nvrtc = new Nvrtc(libs.nvrtc.lib, libs.nvrtc.path);
    const workspace = driver.alloc(GEMM_WORKSPACE_BYTES);
    const cublasLt = new CublasLt(libs.cublasLt.lib, libs.cublasLt.path, driver.stream, workspace);
    return new CudaRuntime(driver, nvrtc, cublasLt, options.cache ?? new CubinCache(), workspace);
  }

  /** One line for logs and `tunekit info`: the device and where each library came from. */
  describe(): string {
    return `${this.driver.name} (${this.driver.arch}), driver ${this.driver.path}, NVRTC ${this.nvrtc.version} ${this.nvrtc.path}, cuBLASLt ${this.cublasLt.path}`;
  }

  dispose(): void {
    this.cublasLt.dispose();
    this.driver.synchronize();
    this.driver.free(this.workspace);
    this.driver.dispose();
  }
}
