import { availableParallelism, hostname } from 'node:os';

/** Who launched this process, as told by its environment. */
export type Launcher = 'openmpi' | 'slurm' | 'torchrun' | 'single';

/** This process's place in a job of several processes (one process alone is a world of one). */
export interface World {
  readonly launcher: Launcher;
  readonly rank: number;
  readonly size: number;
  /** Rank among the processes on this machine, and how many there are (threads per rank come from it). */
  readonly localRank: number;
  readonly localSize: number;
  readonly host: string;
  /** torchrun's rendezvous address, where one was given (a future NCCL backend bootstraps from it). */
  readonly masterAddr?: string;
  readonly masterPort?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** How one launcher names rank, size and local rank; the first launcher whose `rank` variable is set wins. */
interface LauncherVars {
  launcher: Exclude<Launcher, 'single'>;
  rank: string;
  size: string;
  localRank: string;
  /** Processes on this machine, when the launcher says. */
  localSize: (env: Env) => number | undefined;
}

/**
 * Open MPI first: under `srun --mpi=pmix` or an MPI Operator job both Open MPI's and the scheduler's
 * variables are set, and MPI's are the ones its communicator agrees with.
 */
const LAUNCHERS: readonly LauncherVars[] = [
  { launcher: 'openmpi', rank: 'OMPI_COMM_WORLD_RANK', size: 'OMPI_COMM_WORLD_SIZE', localRank: 'OMPI_COMM_WORLD_LOCAL_RANK', localSize: optional('OMPI_COMM_WORLD_LOCAL_SIZE') },
  { launcher: 'slurm', rank: 'SLURM_PROCID', size: 'SLURM_NTASKS', localRank: 'SLURM_LOCALID', localSize: slurmLocalSize },
  { launcher: 'torchrun', rank: 'RANK', size: 'WORLD_SIZE', localRank: 'LOCAL_RANK', localSize: optional('LOCAL_WORLD_SIZE') },
];

function integer(env: Env, name: string, min: number): number {
  const text = env[name];
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new Error(`distributed: environment variable ${name} must be an integer >= ${min}, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  }
  return value;
}

function optional(name: string): (env: Env) => number | undefined {
  return (env) => (env[name] === undefined ? undefined : integer(env, name, 1));
}

/** Slurm's tasks on this node: SLURM_TASKS_PER_NODE is "2,1" or "4(x2)" across nodes; SLURM_NODEID picks ours. */
function slurmLocalSize(env: Env): number | undefined {
  const spec = env.SLURM_TASKS_PER_NODE;
  const node = Number(env.SLURM_NODEID ?? 0);
  if (!spec) return undefined;
  const perNode = spec.split(',').flatMap((part) => {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(part.trim());
    return m ? Array<number>(Number(m[2] ?? 1)).fill(Number(m[1])) : [];
  });
  return perNode[node];
}

/**
 * The world from the launcher's environment: Open MPI's `OMPI_COMM_WORLD_*`, Slurm's `SLURM_PROCID`
 * and `SLURM_NTASKS`, or torchrun's `RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`.
 * None of them: a single process.
 */
export function detectWorld(env: Env = process.env, host: string = hostname()): World {
  const vars = LAUNCHERS.find((l) => env[l.rank] !== undefined);
  if (!vars) return { launcher: 'single', rank: 0, size: 1, localRank: 0, localSize: 1, host };
  const size = integer(env, vars.size, 1);
  const rank = integer(env, vars.rank, 0);
  if (rank >= size) throw new Error(`distributed: ${vars.rank}=${rank} is not below ${vars.size}=${size}`);
  const localRank = env[vars.localRank] === undefined ? 0 : integer(env, vars.localRank, 0);
  const localSize = vars.localSize(env) ?? localRank + 1;
  const world: World = { launcher: vars.launcher, rank, size, localRank, localSize, host };
  if (vars.launcher !== 'torchrun' || env.MASTER_ADDR === undefined) return world;
  return { ...world, masterAddr: env.MASTER_ADDR, ...(env.MASTER_PORT === undefined ? {} : { masterPort: integer(env, 'MASTER_PORT', 1) }) };
}

/** ONNX Runtime intra-op threads per process: the machine's cores shared by the ranks on it, at least one. */
export function threadsPerRank(world: World = detectWorld(), cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / world.localSize));
}
