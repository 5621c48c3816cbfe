import type { LibraryHandle } from 'koffi';
import { type LibraryOpener, type LibrarySpec, koffiOpen, locateLibrary } from './library-load.js';
import { type SearchContext, machineSearchContext, searchGroups } from './library-search.js';

/** The three libraries the CUDA executor calls, as data: sonames newest first (CUDA 13, then 12). */
export const CUDA_LIBRARIES = {
  driver: {
    what: 'the CUDA driver',
    sonames: ['libcuda.so.1'],
    loaderFirst: true,
    install: 'it comes with the NVIDIA driver, on a machine with an NVIDIA GPU',
  },
  nvrtc: {
    what: 'NVRTC',
    sonames: ['libnvrtc.so.13', 'libnvrtc.so.12', 'libnvrtc.so'],
    loaderFirst: false,
    install: 'install the CUDA toolkit or `pip install nvidia-cuda-nvrtc-cu12`, or set CUDA_HOME',
  },
  cublasLt: {
    what: 'cuBLASLt',
    sonames: ['libcublasLt.so.13', 'libcublasLt.so.12', 'libcublasLt.so'],
    loaderFirst: false,
    install: 'install the CUDA toolkit or `pip install nvidia-cublas-cu12`, or set CUDA_HOME',
  },
} as const satisfies Record<string, LibrarySpec>;

export type CudaLibraryName = keyof typeof CUDA_LIBRARIES;

export interface OpenedLibrary {
  readonly path: string;
  readonly lib: LibraryHandle;
}

export type CudaLibraries = Record<CudaLibraryName, OpenedLibrary>;

/** Why `executor: cuda` cannot run here, in one line (the CLI prints it as it is). */
export class CudaUnavailableError extends Error {
  override readonly name = 'CudaUnavailableError';
}

/**
 * Finds and opens all three libraries, or throws one CudaUnavailableError line naming every one
 * that is missing (soname, what it is, how to get it), where it looked, and why a copy that was
 * found did not open.
 */
export function openCudaLibraries(ctx: SearchContext = machineSearchContext(), open: LibraryOpener = koffiOpen): CudaLibraries {
  const groups = searchGroups(ctx);
  const found: Partial<CudaLibraries> = {};
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(CUDA_LIBRARIES) as [CudaLibraryName, LibrarySpec][]) {
    const located = locateLibrary(spec, groups, open);
    if (located.path !== null) found[name] = located;
    else missing.push(`${spec.sonames.join(' / ')} (${spec.what}: ${spec.install}${located.failures.length ? `; found but not loadable: ${located.failures.join('; ')}` : ''})`);
  }
  if (missing.length > 0) {
    throw new CudaUnavailableError(`executor cuda: missing ${missing.join(', ')}; looked in ${groups.map((g) => g.label).join(', ')}`);
  }
  return found as CudaLibraries;
}
