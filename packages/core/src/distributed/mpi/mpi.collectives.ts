import type { Collectives } from '../collectives.interface.js';
import type { World } from '../../util/world.js';
import { MPI_IN_PLACE, MPI_THREAD_SERIALIZED, type MpiFunctions, type MpiLibrary, loadMpi } from './mpi.library.js';

/** MPI counts are C ints. */
const MAX_COUNT = 2 ** 31 - 1;
/** allReduceSum splits longer buffers into calls of this many elements. */
const ALLREDUCE_CHUNK = 2 ** 28;

type Fn = keyof MpiFunctions;

function counts32(counts: readonly number[], what: string): Int32Array {
  for (const c of counts) if (!Number.isInteger(c) || c < 0 || c > MAX_COUNT) throw new Error(`mpi ${what}: count ${c} is not an int of MPI`);
  return Int32Array.from(counts);
}

const displacements = (counts: Int32Array): Int32Array => {
  const out = new Int32Array(counts.length);
  for (let r = 1; r < counts.length; r++) out[r] = out[r - 1] + counts[r - 1];
  return out;
};

/**
 * Collectives over Open MPI's C API (koffi, no build step) on MPI_COMM_WORLD. Large operations run
 * on koffi's worker threads (MPI_THREAD_SERIALIZED), so the JS thread stays free for signals while
 * a rank waits for the others. The default error handler (MPI_ERRORS_ARE_FATAL) and the launcher
 * end the whole job when a rank dies: `mpirun` names the rank and host.
 */
export class MpiCollectives implements Collectives {
  readonly backend = 'mpi';

  private constructor(
    private readonly mpi: MpiLibrary,
    readonly rank: number,
    readonly size: number,
    readonly host: string,
    private readonly threaded: boolean,
  ) {}

  /** MPI_Init_thread, then checks that MPI's world is the one the environment described. */
  static init(world: World, library: MpiLibrary = loadMpi()): MpiCollectives {
    const { fn, handles } = library;
    const provided = [0];
    check(fn.initThread(null, null, MPI_THREAD_SERIALIZED, provided), 'MPI_Init_thread');
    const rank = [0];
    const size = [0];
    check(fn.commRank(handles.commWorld, rank), 'MPI_Comm_rank');
    check(fn.commSize(handles.commWorld, size), 'MPI_Comm_size');
    if (size[0] !== world.size || rank[0] !== world.rank) {
      fn.finalize();
      throw new Error(
        `distributed: the ${world.launcher} environment says rank ${world.rank} of ${world.size}, but MPI's world is rank ${rank[0]} of ${size[0]}; ` +
          'start the job with mpirun (or srun with PMIx), which MPI joins',
      );
    }
    return new MpiCollectives(library, rank[0], size[0], world.host, provided[0] >= MPI_THREAD_SERIALIZED);
  }

  private call(name: Fn, ...args: unknown[]): Promise<void> {
    const f = this.mpi.fn[name];
    if (!this.threaded) return Promise.resolve(check(f(...args) as number, name));
    return new Promise((resolve, reject) =>
      f.async(...args, (err: Error | null, rc: number) => {
        if (err) reject(err);
        else if (rc !== 0) reject(new Error(`mpi ${name} returned ${rc} on rank ${this.rank}`));
        else resolve();
      }),
    );
  }

  async allReduceSum(data: Float32Array | Float64Array): Promise<void> {
    const { handles } = this.mpi;
    const type = data instanceof Float64Array ? handles.double : handles.float;
    for (let at = 0; at < data.length; at += ALLREDUCE_CHUNK) {
      const part = data.subarray(at, Math.min(data.length, at + ALLREDUCE_CHUNK));
      await this.call('allreduce', MPI_IN_PLACE, part, part.length, type, handles.sum, handles.commWorld);
    }
  }

  async reduceScatterSum(send: Float32Array, counts: readonly number[], into: Float32Array): Promise<void> {
    const c = counts32(counts, 'reduce-scatter');
    if (into.length < c[this.rank]) throw new Error(`mpi reduce-scatter: the result buffer holds ${into.length} elements, rank ${this.rank} receives ${c[this.rank]}`);
    const { handles } = this.mpi;
    await this.call('reduceScatter', send, into, c, handles.float, handles.sum, handles.commWorld);
  }

  async allGatherBytes(mine: Uint8Array, counts: readonly number[], into: Uint8Array): Promise<void> {
    const c = counts32(counts, 'all-gather');
    const { handles } = this.mpi;
    await this.call('allgatherv', mine, c[this.rank], handles.byte, into, c, displacements(c), handles.byte, handles.commWorld);
  }

  async gatherBytes(mine: Uint8Array, root: number): Promise<Uint8Array[] | null> {
    const { handles } = this.mpi;
    const sizes = new Int32Array(this.size);
    counts32([mine.length], 'gather');
    await this.call('gather', Int32Array.of(mine.length), 1, handles.int, sizes, 1, handles.int, root, handles.commWorld);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (this.rank === root) counts32([total], 'gather');
    const into = new Uint8Array(this.rank === root ? total : 0);
    const displs = displacements(sizes);
    await this.call('gatherv', mine, mine.length, handles.byte, into, sizes, displs, handles.byte, root, handles.commWorld);
    return this.rank === root ? [...sizes].map((n, r) => into.subarray(displs[r], displs[r] + n)) : null;
  }

  async broadcastBytes(data: Uint8Array | null, root: number): Promise<Uint8Array> {
    const { handles } = this.mpi;
    if (this.rank === root && data === null) throw new Error(`mpi broadcast: the root (rank ${root}) passed no data`);
    const length = Int32Array.of(this.rank === root ? counts32([data!.length], 'broadcast')[0] : 0);
    await this.call('bcast', length, 1, handles.int, root, handles.commWorld);
    const buf = this.rank === root ? data! : new Uint8Array(length[0]);
    await this.call('bcast', buf, buf.length, handles.byte, root, handles.commWorld);
    return buf;
  }

  async barrier(): Promise<void> {
    await this.call('barrier', this.mpi.handles.commWorld);
  }

  abort(code: number): never {
    this.mpi.fn.abort(this.mpi.handles.commWorld, code);
    process.exit(code);
  }

  async close(): Promise<void> {
    check(this.mpi.fn.finalize() as number, 'MPI_Finalize');
  }
}

function check(rc: number, name: string): void {
  if (rc !== 0) throw new Error(`mpi ${name} returned ${rc}`);
}
