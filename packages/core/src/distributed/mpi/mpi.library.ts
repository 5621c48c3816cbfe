import { createRequire } from 'node:module';
import type { LibraryHandle } from 'koffi';

const require = createRequire(import.meta.url);

/** Open MPI's soname on Debian and Ubuntu (`apt-get install openmpi-bin libopenmpi-dev`); TUNEKIT_MPI_LIBRARY overrides it. */
export const DEFAULT_MPI_LIBRARY = 'libmpi.so.40';

/** MPI_THREAD_SERIALIZED: calls may come from koffi's worker threads, one at a time. */
export const MPI_THREAD_SERIALIZED = 2;

/**
 * Open MPI's C handles are addresses of global objects (`MPI_COMM_WORLD` is `&ompi_mpi_comm_world`),
 * so they are read as symbol addresses, not as constants of the ABI.
 */
const HANDLE_SYMBOLS = {
  commWorld: 'ompi_mpi_comm_world',
  float: 'ompi_mpi_float',
  double: 'ompi_mpi_double',
  byte: 'ompi_mpi_byte',
  int: 'ompi_mpi_int',
  sum: 'ompi_mpi_op_sum',
} as const;

export type MpiHandles = Record<keyof typeof HANDLE_SYMBOLS, bigint>;

/** The C prototypes used, by the name the bindings get. */
const PROTOTYPES = {
  initThread: 'int MPI_Init_thread(void *argc, void *argv, int required, _Out_ int *provided)',
  commRank: 'int MPI_Comm_rank(void *comm, _Out_ int *rank)',
  commSize: 'int MPI_Comm_size(void *comm, _Out_ int *size)',
  allreduce: 'int MPI_Allreduce(void *send, void *recv, int count, void *type, void *op, void *comm)',
  reduceScatter: 'int MPI_Reduce_scatter(void *send, void *recv, int *counts, void *type, void *op, void *comm)',
  allgatherv: 'int MPI_Allgatherv(void *send, int count, void *type, void *recv, int *counts, int *displs, void *rtype, void *comm)',
  gather: 'int MPI_Gather(void *send, int count, void *type, void *recv, int rcount, void *rtype, int root, void *comm)',
  gatherv: 'int MPI_Gatherv(void *send, int count, void *type, void *recv, int *counts, int *displs, void *rtype, int root, void *comm)',
  bcast: 'int MPI_Bcast(void *buf, int count, void *type, int root, void *comm)',
  barrier: 'int MPI_Barrier(void *comm)',
  abort: 'int MPI_Abort(void *comm, int code)',
  finalize: 'int MPI_Finalize()',
} as const;

type KoffiFunction = ReturnType<LibraryHandle['func']>;
export type MpiFunctions = Record<keyof typeof PROTOTYPES, KoffiFunction>;

export interface MpiLibrary {
  readonly path: string;
  readonly fn: MpiFunctions;
  readonly handles: MpiHandles;
}

/** MPI_IN_PLACE in Open MPI's mpi.h. */
export const MPI_IN_PLACE = 1n;

let loaded: MpiLibrary | null = null;

/**
 * Loads libmpi once per process. RTLD_GLOBAL (koffi's `global`) because Open MPI's plugins
 * (`mca_*.so`) resolve symbols of libmpi and its dependencies when they are opened.
 */
export function loadMpi(path: string = process.env.TUNEKIT_MPI_LIBRARY ?? DEFAULT_MPI_LIBRARY): MpiLibrary {
  if (loaded) return loaded;
  const koffi = require('koffi') as typeof import('koffi');
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path, { global: true });
  } catch (e) {
    throw new Error(`distributed: cannot load Open MPI (${path}): ${(e as Error).message}. Install it with \`apt-get install openmpi-bin libopenmpi-dev\`, or point TUNEKIT_MPI_LIBRARY at libmpi`);
  }
  const fn = Object.fromEntries(Object.entries(PROTOTYPES).map(([k, proto]) => [k, lib.func(proto)])) as MpiFunctions;
  const handles = Object.fromEntries(Object.entries(HANDLE_SYMBOLS).map(([k, symbol]) => [k, lib.symbol(symbol) as bigint])) as MpiHandles;
  loaded = { path, fn, handles };
  return loaded;
}
