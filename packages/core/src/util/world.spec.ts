import { describe, expect, it } from 'vitest';
import { detectWorld, threadsPerRank } from './world.js';

describe('detectWorld', () => {
  it('reads Open MPI, Slurm and torchrun variables, Open MPI first, and is a single process without any', () => {
    const rows: [Record<string, string>, object][] = [
      [{}, { launcher: 'single', rank: 0, size: 1, localRank: 0, localSize: 1 }],
      [
        { OMPI_COMM_WORLD_RANK: '3', OMPI_COMM_WORLD_SIZE: '8', OMPI_COMM_WORLD_LOCAL_RANK: '1', OMPI_COMM_WORLD_LOCAL_SIZE: '2', SLURM_PROCID: '0', SLURM_NTASKS: '1' },
        { launcher: 'openmpi', rank: 3, size: 8, localRank: 1, localSize: 2 },
      ],
      [{ SLURM_PROCID: '5', SLURM_NTASKS: '6', SLURM_LOCALID: '1', SLURM_TASKS_PER_NODE: '4,2', SLURM_NODEID: '1' }, { launcher: 'slurm', rank: 5, size: 6, localRank: 1, localSize: 2 }],
      [{ SLURM_PROCID: '2', SLURM_NTASKS: '8', SLURM_LOCALID: '2', SLURM_TASKS_PER_NODE: '4(x2)', SLURM_NODEID: '0' }, { launcher: 'slurm', rank: 2, size: 8, localRank: 2, localSize: 4 }],
      [
        { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'node0', MASTER_PORT: '29500' },
        { launcher: 'torchrun', rank: 1, size: 2, localRank: 1, localSize: 2, masterAddr: 'node0', masterPort: 29500 },
      ],
    ];
    for (const [env, want] of rows) expect(detectWorld(env, 'h')).toEqual({ host: 'h', ...want });
  });

  it('names the variable that is not a usable integer, and a rank outside the world', () => {
    expect(() => detectWorld({ RANK: '1', WORLD_SIZE: 'two' })).toThrow(/WORLD_SIZE must be an integer >= 1, got "two"/);
    expect(() => detectWorld({ OMPI_COMM_WORLD_RANK: '2', OMPI_COMM_WORLD_SIZE: '2' })).toThrow(/OMPI_COMM_WORLD_RANK=2 is not below OMPI_COMM_WORLD_SIZE=2/);
  });

  it('gives each rank on a machine its share of the cores, at least one', () => {
    const world = detectWorld({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_LOCAL_SIZE: '4' });
    expect(threadsPerRank(world, 16)).toBe(4);
    expect(threadsPerRank(world, 2)).toBe(1);
    expect(threadsPerRank(detectWorld({}), 8)).toBe(8);
  });
});
