import { hostname } from 'node:os';
import type { Collectives } from './collectives.interface.js';

/** A world of one: every collective is the identity (a copy where the result goes to another buffer). */
export class SingleProcessCollectives implements Collectives {
  readonly backend = 'single';
  readonly rank = 0;
  readonly size = 1;

  constructor(readonly host: string = hostname()) {}

  async allReduceSum(): Promise<void> {}

  async reduceScatterSum(send: Float32Array, counts: readonly number[], into: Float32Array): Promise<void> {
    into.set(send.subarray(0, counts[0]));
  }

  async allGatherBytes(mine: Uint8Array, counts: readonly number[], into: Uint8Array): Promise<void> {
    into.set(mine.subarray(0, counts[0]));
  }

  async gatherBytes(mine: Uint8Array): Promise<Uint8Array[]> {
    return [mine.slice()];
  }

  async broadcastBytes(data: Uint8Array | null): Promise<Uint8Array> {
    if (data === null) throw new Error('broadcastBytes: the root (the only rank) passed no data');
    return data;
  }

  async barrier(): Promise<void> {}

  abort(code: number): never {
    process.exit(code);
  }

  async close(): Promise<void> {}
}
