import type { Collectives } from './collectives.interface.js';
import { MpiCollectives } from './mpi/mpi.collectives.js';
import { SingleProcessCollectives } from './single-process.collectives.js';
import { type World, detectWorld } from '../util/world.js';

/** The collectives for this process's world: none to join for a single process, MPI otherwise. */
export function openCollectives(world: World = detectWorld()): Collectives {
  return world.size === 1 ? new SingleProcessCollectives(world.host) : MpiCollectives.init(world);
}
