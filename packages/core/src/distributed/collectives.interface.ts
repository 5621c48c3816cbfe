/**
 * The collective operations data parallel training needs, whatever carries them (MPI on CPUs now,
 * NCCL on GPUs later). Every rank calls the same operations in the same order; buffers are host
 * memory. Operations are asynchronous so a backend may run them off the JS thread.
 */
export interface Collectives {
  /** 'single', 'mpi', ... for logs and errors. */
  readonly backend: string;
  readonly rank: number;
  readonly size: number;
  /** This process's machine, for messages that name a rank. */
  readonly host: string;
  /** Sums `data` over all ranks, in place; every rank gets the same sum. */
  allReduceSum(data: Float32Array | Float64Array): Promise<void>;
  /**
   * `send` holds one block per rank, in rank order, of `counts[r]` elements; rank r receives the
   * sum over ranks of block r into `into` (`counts[rank]` elements).
   */
  reduceScatterSum(send: Float32Array, counts: readonly number[], into: Float32Array): Promise<void>;
  /** Every rank's `mine` (`counts[r]` bytes from rank r), concatenated in rank order into `into`. */
  allGatherBytes(mine: Uint8Array, counts: readonly number[], into: Uint8Array): Promise<void>;
  /** Every rank's bytes on `root` (in rank order), null elsewhere; sizes may differ by rank. */
  gatherBytes(mine: Uint8Array, root: number): Promise<Uint8Array[] | null>;
  /** `root`'s bytes on every rank (others pass null). */
  broadcastBytes(data: Uint8Array | null, root: number): Promise<Uint8Array>;
  barrier(): Promise<void>;
  /** Ends every rank of the job at once with `code` (a failing rank must not leave the others waiting). */
  abort(code: number): never;
  /** Leaves the job cleanly; no operation may follow. */
  close(): Promise<void>;
}
