import type { InjectionToken } from 'tsyringe';
import type { Collectives } from './collectives.interface.js';

/** The job's collectives (a single process's by default); the trainer all-reduces gradients through it. */
export const COLLECTIVES: InjectionToken<Collectives> = Symbol.for('tunekit.core.Collectives');
